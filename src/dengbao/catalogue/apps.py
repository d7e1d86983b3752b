from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "dengbao.catalogue"
    verbose_name = "要求目录"
