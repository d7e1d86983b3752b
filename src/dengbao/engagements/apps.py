from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "dengbao.engagements"
    verbose_name = "项目管理"

    def ready(self) -> None:
        from dengbao.monitoring import signals
        from dengbao.scanning import signals as scanning_signals

        from . import alert_tickets, scan_plans

        signals.ticket_wanted.connect(
            alert_tickets.on_ticket_wanted, dispatch_uid="engagements.alert_tickets"
        )
        scanning_signals.plan_run_done.connect(
            scan_plans.on_plan_run_done, dispatch_uid="engagements.scan_plans"
        )
