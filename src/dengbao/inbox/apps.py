from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "dengbao.inbox"
    verbose_name = "通知"
