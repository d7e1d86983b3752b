from django.apps import AppConfig


class ScanningConfig(AppConfig):
    name = "dengbao.scanning"
    verbose_name = "漏洞扫描"

    def ready(self) -> None:
        from . import plan_services, signals

        signals.plan_run_done.connect(plan_services.on_plan_run_done, dispatch_uid="plan_services.prove")
