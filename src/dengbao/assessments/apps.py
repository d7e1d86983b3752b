from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "dengbao.assessments"
    verbose_name = "等级测评"
