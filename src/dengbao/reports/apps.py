from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dengbao.reports"
    verbose_name = "文档报告"
