from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "dengbao.collection"
    verbose_name = "自动化采集"
