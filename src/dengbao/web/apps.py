from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dengbao.web"
    verbose_name = "界面"

    def ready(self) -> None:
        from django.conf import settings

        from dengbao.core import ziplimits

        ziplimits.configure(settings.DENGBAO_ZIP_LIMITS)
