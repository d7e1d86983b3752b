from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "dengbao.systems"
    verbose_name = "定级对象"
