from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "dengbao.monitoring"
    verbose_name = "网站监测"
