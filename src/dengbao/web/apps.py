from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dengbao.web"
    verbose_name = "界面"
