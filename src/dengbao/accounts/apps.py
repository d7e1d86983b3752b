from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dengbao.accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sessions import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="dengbao.accounts.session_remember")
