from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dengbao.audit"
    verbose_name = "审计日志"
