"""What the apps' API routers share: error bodies in Chinese, paging, and request bodies read late.

A request body is read *after* the project and the caller's right to it are checked: were it
declared as a ninja parameter, ninja would validate it first, and a stranger posting rubbish to
another project's URL would learn a 400 or 422 where they must get a 404.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import pydantic
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from dengbao.errors import Conflict, NotFound, Refused, TooBig

S = TypeVar("S", bound=Schema)

# The id of a stored object in a request body: the databases' primary keys are 64-bit, and a larger
# number passed on to a query is a crash (SQLite: OverflowError; PostgreSQL: out of range), not a 404.
ObjectId = Annotated[int, pydantic.Field(ge=1, le=2**63 - 1)]

MAX_LIMIT = 1000
NOT_FOUND_PROJECT = "项目不存在，或您不是该项目的成员。"
NOT_FOUND = "请求的对象不存在，或不属于本项目。"


class ErrorOut(Schema):
    detail: str
    errors: list[str] = []


class Paging(Schema):
    limit: int = 100
    offset: int = 0


def page(rows: Sequence[Any], paging: Paging) -> tuple[int, Sequence[Any]]:
    """(count, the requested slice); ``limit`` is kept between 1 and MAX_LIMIT."""
    limit = max(1, min(paging.limit, MAX_LIMIT))
    offset = max(0, paging.offset)
    count = len(rows) if isinstance(rows, list) else rows.count()
    return count, rows[offset : offset + limit]


def error_response(status: int, detail: str, errors: list[str] | None = None, **extra: Any) -> HttpResponse:
    body = {"detail": detail, "errors": errors if errors is not None else [detail], **extra}
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _status(exc: ValidationError) -> int:
    """Refused input is 400; an upload past the limit 413; a change someone else made first 409."""
    if isinstance(exc, TooBig):
        return 413
    if isinstance(exc, Conflict):
        return 409
    return 400


def user_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Router decorator: a missing object, refused input or a refused right as a JSON message in Chinese.

    The permission layer's own refusal (``Denied``) goes on to the API's 403 handler.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404 as exc:
            project = isinstance(exc, NotFound) and exc.what == "project"
            return error_response(404, NOT_FOUND_PROJECT if project else NOT_FOUND)
        except ValidationError as exc:
            messages = [str(m) for m in exc.messages]
            return error_response(_status(exc), "；".join(messages), messages)
        except Refused as exc:
            return error_response(403, str(exc))  # a rule's refusal, worded for the user

    return wrapper


def read_body(request, schema: type[S]) -> S:
    """The JSON body as ``schema``; malformed or invalid input is a 400 naming the field."""
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("请求体不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("请求体应为 JSON 对象")
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError([_field_message(e) for e in exc.errors()]) from None


def _field_message(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ())) or "请求体"
    kind = error.get("type", "")
    if kind == "missing":
        return f"缺少字段“{where}”"
    if kind == "extra_forbidden":
        return f"未知字段“{where}”"
    return f"字段“{where}”无效：{error.get('msg', '')}"


def body_doc(schema: type[Schema], content_type: str = "application/json") -> dict:
    """``openapi_extra`` describing a body that the view reads itself (see ``read_body``)."""
    return {
        "requestBody": {"required": True, "content": {content_type: {"schema": _inline(schema)}}},
    }


def _inline(schema: type[Schema]) -> dict:
    """The model's JSON schema with its ``$defs`` inlined: the OpenAPI document has no place for them."""
    raw = schema.model_json_schema()
    defs = raw.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(raw)
