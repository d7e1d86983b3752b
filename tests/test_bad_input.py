"""Bad input gets a clear answer: 404 not 500, upload limits, no stack traces."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import path

from dengbao import urls as root_urls


def test_wrong_ids_are_404_not_500(world_a, platform_users, login):
    admin = login(platform_users["sysadmin"])
    assert admin.get("/manage/users/999999/").status_code == 404
    assert admin.get("/manage/projects/nope/members/").status_code == 404
    member = login(world_a.members["manager"])
    assert member.get("/projects/nope/").status_code == 404
    assert (
        member.get("/manage/projects/proj-a/members/999999/remove/").status_code == 405
    )  # GET on a POST action
    assert member.post("/manage/projects/proj-a/members/999999/remove/").status_code == 404


def test_error_page_is_friendly_and_in_chinese(world_a, login):
    r = login(world_a.members["manager"]).get("/projects/does-not-exist/")
    assert r.status_code == 404
    assert "页面不存在" in r.content.decode()


@override_settings(DENGBAO_MAX_UPLOAD_BYTES=1024, DENGBAO_MAX_UPLOAD_MB=0)
def test_oversize_upload_refused_before_reading(world_a, login):
    client = login(world_a.members["manager"])
    r = client.post("/manage/projects/proj-a/members/", {"blob": "x" * 5000})
    assert r.status_code == 413
    assert "上传内容过大" in r.content.decode()
    r = client.post("/api/projects", data="x" * 5000, content_type="application/json")
    assert r.status_code == 413
    assert "上传内容过大" in r.json()["detail"]


def _boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [*root_urls.urlpatterns, path("boom/", _boom)]
handler500 = root_urls.handler500


@pytest.mark.urls("tests.test_bad_input")
def test_server_error_shows_no_stack_trace(db):
    client = Client(raise_request_exception=False)
    r = client.get("/boom/")
    assert r.status_code == 500
    body = r.content.decode()
    assert "secret internal detail" not in body
    assert "Traceback" not in body
    assert "服务器内部错误" in body


def test_client_address_from_the_trusted_proxy_header(world_a, settings):
    from django.test import Client

    from dengbao.audit.models import AuditEvent

    settings.DENGBAO_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    Client(HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1").post(
        "/accounts/login/", {"username": "proj-a-manager", "password": "wrong-Pass-1!"}
    )
    assert AuditEvent.objects.filter(action="auth.login_failed").latest("seq").ip == "203.0.113.7"
