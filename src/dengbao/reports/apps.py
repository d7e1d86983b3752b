from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dengbao.reports"
    verbose_name = "文档报告"

    def ready(self) -> None:
        from django.conf import settings

        from dengbao.core.documents import isolation

        isolation.configure(settings.DENGBAO_TEMPLATE_LIMITS)

    def document_choices(self) -> list[tuple[str, str]]:
        """The models' ``kind`` choices, from the document registry (which imports the models)."""
        from .documents import choices

        return choices()

    def template_choices(self) -> list[tuple[str, str]]:
        from .documents import template_choices

        return template_choices()
