from django.urls import path

from . import security_views as security
from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("security/", security.security, name="security"),
    path("security/users/<int:user_id>/unlock/", security.security_unlock, name="security_unlock"),
    path(
        "security/users/<int:user_id>/reset-2fa/",
        security.security_otp_reset,
        name="security_otp_reset",
    ),
    path("security/users/<int:user_id>/role/", security.security_role_set, name="security_role_set"),
    path("security/tokens/", security.security_tokens, name="security_tokens"),
    path(
        "security/tokens/<int:token_id>/revoke/",
        security.security_token_revoke,
        name="security_token_revoke",
    ),
]
