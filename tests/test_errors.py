"""dengbao.errors: the API tells refusals apart by their type, not by their message."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from dengbao import errors
from dengbao.api_support import NOT_FOUND, NOT_FOUND_PROJECT, user_errors


def answer(exc: Exception):
    @user_errors
    def view(request):
        raise exc

    response = view(RequestFactory().get("/api/"))
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(
    ("exc", "status", "detail"),
    [
        (errors.NotFound("project"), 404, NOT_FOUND_PROJECT),
        (errors.NotFound("round"), 404, NOT_FOUND),
        (Http404("project-like text, but no type"), 404, NOT_FOUND),  # the message decides nothing
        (errors.TooBig("文件“a”过大"), 413, "文件“a”过大"),
        (errors.Conflict(["L3-CES1-01 已被他人修改"]), 409, "L3-CES1-01 已被他人修改"),
        (errors.NotReady("文档尚未生成"), 400, "文档尚未生成"),
        (ValidationError(["缺少名称", "日期无效"]), 400, "缺少名称；日期无效"),
        (ValidationError("x", code="too_big"), 400, "x"),  # a code alone does not make it an upload limit
        (errors.Refused("接受风险须由客户联系人或项目经理审批"), 403, "接受风险须由客户联系人或项目经理审批"),
    ],
)
def test_each_type_has_its_status(exc, status, detail):
    code, body = answer(exc)
    assert (code, body["detail"]) == (status, detail)


@pytest.mark.parametrize("exc", [errors.Denied("project.edit"), PermissionDenied("只读")])
def test_the_permission_layers_refusal_goes_on_to_the_api_handler(exc):
    with pytest.raises(PermissionDenied):
        answer(exc)


def test_every_error_is_the_django_exception_its_callers_catch():
    assert issubclass(errors.NotFound, Http404)
    assert issubclass(errors.Denied, PermissionDenied) and issubclass(errors.Refused, PermissionDenied)
    for cls in (errors.Conflict, errors.NotReady, errors.TooBig):
        assert issubclass(cls, ValidationError)
    assert errors.NotFound("project").what == "project" and errors.Denied("audit.read").action == "audit.read"
