from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dengbao.reports"
    verbose_name = "文档报告"

    def ready(self) -> None:
        from django.conf import settings

        from dengbao.core.documents import isolation

        isolation.configure(settings.DENGBAO_TEMPLATE_LIMITS)
