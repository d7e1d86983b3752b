from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "dengbao.engagements"
    verbose_name = "项目管理"
