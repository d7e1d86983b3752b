from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dengbao.accounts"
    verbose_name = "账户与权限"
