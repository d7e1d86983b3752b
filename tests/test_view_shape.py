"""Views share one action shape (dengbao.actions) and one parser (dengbao.parse): issue 19 item 2.

No view module under src/dengbao checks the method by hand or catches ValidationError itself: the
``action`` decorator does both, in the order the authorisation matrix relies on. Modules not yet
converted are listed in NOT_YET; that set may only shrink.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from dengbao import parse

SRC = Path(__file__).resolve().parents[1] / "src" / "dengbao"
PATTERNS = (re.compile(r'request\.method\s*!=\s*"POST"'), re.compile(r"except\s+\(?[^:]*\bValidationError\b"))

# Converted by the lead after the document-generation rewrite lands (issue 19 item 1).
NOT_YET: set[str] = set()


def _view_modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "views" in p.name and "/core/" not in str(p))


def _offenders() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _view_modules():
        text = path.read_text(encoding="utf-8")
        hits = [line.strip() for line in text.splitlines() if any(p.search(line) for p in PATTERNS)]
        if hits:
            found[str(path.relative_to(SRC))] = hits
    return found


def test_no_view_checks_the_method_or_catches_validation_errors_by_hand():
    offenders = {name: hits for name, hits in _offenders().items() if name not in NOT_YET}
    assert not offenders, "\n".join(f"{name}: {hits}" for name, hits in offenders.items())


def test_the_allowance_only_lists_modules_that_still_offend():
    """A converted module leaves NOT_YET, so the set can only shrink."""
    stale = NOT_YET - set(_offenders())
    assert not stale, f"converted, remove from NOT_YET: {sorted(stale)}"


def test_the_grep_finds_what_it_forbids(tmp_path):
    sample = (
        'if request.method != "POST":\n    pass\ntry:\n    x()\nexcept (ValueError, ValidationError) as e:\n'
    )
    hits = [line for line in sample.splitlines() if any(p.search(line) for p in PATTERNS)]
    assert len(hits) == 2


def test_parse_reads_dates_numbers_and_money():
    from decimal import Decimal

    assert parse.date(" 2026-12-31 ", "日期").isoformat() == "2026-12-31"
    assert parse.date("", "日期") is None
    with pytest.raises(ValidationError, match="请填写日期"):
        parse.date("", "日期", required=True)
    with pytest.raises(ValidationError, match="不是有效日期"):
        parse.date("2026-13-01", "日期")
    assert parse.optional_int(" 12 ") == 12
    assert parse.optional_int("x") is None and parse.optional_int(None) is None
    assert parse.integer("", "端口", default=7) == 7
    with pytest.raises(ValidationError, match="须为整数"):
        parse.integer("-3", "端口")
    assert parse.number("7.5", "CVSS") == 7.5
    assert parse.money("¥1,200.505", "金额") == Decimal("1200.51")
    for bad in ("abc", "-1", "1e12", "NaN"):
        with pytest.raises(ValidationError, match="不是有效金额"):
            parse.money(bad, "金额")
    assert parse.text(" a\r\nb ", 3) == "a\nb"


@pytest.mark.django_db
def test_action_loads_first_then_refuses_the_method_then_maps_errors():
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from dengbao.actions import action

    calls = []

    def load(request, thing):
        calls.append("load")
        if thing == "forbidden":
            raise PermissionDenied
        return {"thing": thing}

    def back(request, thing):
        return HttpResponse(f"back to {thing}", status=302)

    @action(load=load, back=back)
    def view(request, thing):
        raise ValidationError(["一", "二"])

    factory = RequestFactory()
    with pytest.raises(PermissionDenied):  # a stranger learns 403 whatever the method
        view(factory.get("/"), thing="forbidden")
    assert view(factory.get("/"), thing="x").status_code == 405
    request = factory.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    response = view(request, thing="x")
    assert response.content == b"back to x"
    assert [str(m) for m in request._messages] == ["一", "二"]
    assert calls == ["load", "load", "load"]


def test_a_member_learns_405_for_a_get_on_a_post_only_action(world_a, login):
    """The other half of the order: someone the loader admits gets 405, not the page or a crash.

    (tests/authz checks that a stranger gets 403/404 from the same routes whatever the method.)"""
    from django.urls import resolve

    from dengbao.accounts.roles import ProjectRole
    from tests.authz.routes import all_routes

    client = login(world_a.members[ProjectRole.MANAGER])
    answers = {}
    for route in all_routes():
        if not route.project_scoped:
            continue
        url = route.url(world_a)
        if getattr(resolve(url).func, "action_methods", None) != ("POST",):
            continue
        answers[url] = client.get(url).status_code
    assert len(answers) >= 40, sorted(answers)
    wrong = {url: status for url, status in answers.items() if status not in (403, 404, 405)}
    assert not wrong, wrong
    refused = [url for url, status in answers.items() if status == 405]
    assert len(refused) >= 0.8 * len(answers), {u: s for u, s in answers.items() if s != 405}
