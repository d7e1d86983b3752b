from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "dengbao.engagements"
    verbose_name = "项目管理"

    def ready(self) -> None:
        from dengbao.monitoring import signals

        from . import alert_tickets

        signals.ticket_wanted.connect(
            alert_tickets.on_ticket_wanted, dispatch_uid="engagements.alert_tickets"
        )
