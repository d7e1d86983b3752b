from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "dengbao.collection"
    verbose_name = "自动化采集"

    def ready(self) -> None:
        from dengbao.assessments import selectors as assessment_selectors

        from . import selectors

        # the checklist marks results a rule wrote, without assessments importing this app
        if selectors.result_sources not in assessment_selectors.result_source_providers:
            assessment_selectors.result_source_providers.append(selectors.result_sources)
