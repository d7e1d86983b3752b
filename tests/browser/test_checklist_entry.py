"""Keyboard-only entry of 20 results on one object, 不适用 in either order, and a refused save.

The page's model (checklist.js): Alt+↓ / Alt+↑ move between items, 1–4 set the result of the focused
item, a character typed on the item goes to its note, Esc returns to the item, Enter in the 不适用理由
field confirms it. Nothing here clicks: every value goes in through the keyboard.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

KEYS = {"1": "符合", "2": "部分符合", "3": "不符合", "4": "不适用"}


def _sign_in(page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", "assessor")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/projects/$"))


def _focused_row(page) -> str:
    return page.evaluate(
        "() => { const r = document.activeElement.closest('form.row'); return r ? r.id : '' }"
    )


def _active_name(page) -> str:
    return page.evaluate("() => document.activeElement.name || document.activeElement.tagName")


def _settled(page) -> None:
    """Every save answered: no item is saving or waiting for its 不适用 reason."""
    page.wait_for_function(
        "() => !document.querySelector('form.row[data-state=saving], form.row[data-state=pending]')"
    )


def _plan(na_after: int, na_before: int) -> list[dict[str, str]]:
    """20 entries: results cycling 1–3 (note digits must stay in the note), two 不适用."""
    plan = []
    for i in range(20):
        key = "123"[i % 3]
        entry = {"key": key, "note": "", "reason": ""}
        if i % 2 == 0:
            entry["note"] = f"checked {i}: 3 hosts, 2 rules 1-4"  # typed straight onto the item
        elif i % 5 == 1:
            entry["note"] = f"已核查第{i}项：1台服务器"  # via Enter, as with an IME
        plan.append(entry)
    plan[na_after] = {"key": "4", "note": "", "reason": "该系统未使用无线网络（先选后填）"}
    plan[na_before] = {"key": "4", "note": "no wireless", "reason": "不涉及移动终端（先填后选）"}
    return plan


def test_twenty_results_by_keyboard_survive_a_reload(
    live_server, page, js_errors, demo_engagement, screenshot_dir
):
    from dengbao.assessments.models import Assessment, ResultRecord

    assessment = Assessment.objects.get(name__startswith="HIS")
    target = assessment.test_objects.get(name="HIS数据库服务器")
    posts: list[str] = []

    def remember(request) -> None:
        if request.method == "POST" and "/results/" in request.url:
            posts.append(unquote(request.post_data or ""))

    page.on("request", remember)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/projects/demo/assessments/{assessment.pk}/objects/{target.pk}/")
    assert "Alt" in page.locator("#keys-help").inner_text()
    ids = page.eval_on_selector_all("form.row", "rows => rows.slice(0, 20).map(r => r.id)")
    assert len(ids) == 20
    # the two 不适用 go on items not stored as 不适用 (whose reason field is empty)
    pks = [int(row_id.removeprefix("row-")) for row_id in ids]
    before = dict(ResultRecord.objects.filter(pk__in=pks).values_list("pk", "result"))
    old_notes = dict(ResultRecord.objects.filter(pk__in=pks).values_list("pk", "note"))
    free = [i for i, pk in enumerate(pks) if before[pk] != "不适用"]
    na_after, na_before = free[3], free[-4]
    plan = _plan(na_after, na_before)

    page.keyboard.press("Alt+ArrowDown")  # nothing focused yet: the first item
    for i, (row_id, entry) in enumerate(zip(ids, plan, strict=True)):
        assert _focused_row(page) == row_id, f"item {i}: focus is on {_focused_row(page)!r}"
        if i == na_before:
            # the reason first: Tab through the item's fields to it, type, Esc back to the item
            for _ in range(20):
                page.keyboard.press("Tab")
                if _active_name(page) == "na_reason":
                    break
            assert _active_name(page) == "na_reason"
            page.keyboard.type(entry["reason"])
            page.keyboard.press("Escape")
            assert _focused_row(page) == row_id
            page.wait_for_selector(f"#{row_id} .live:has-text('一并保存')")
            page.keyboard.press("4")
        elif i == na_after:
            page.keyboard.press("4")  # opens the reason field, sends nothing yet
            assert _active_name(page) == "na_reason"
            page.wait_for_selector(f"#{row_id}[data-state=pending]")
            page.keyboard.type(entry["reason"])
            page.keyboard.press("Enter")
            assert _focused_row(page) == row_id and _active_name(page) == "FORM"
        else:
            page.keyboard.press(entry["key"])
        note = entry["note"]
        if note:
            if note.isascii():
                page.keyboard.type(note)  # the first character moves the focus into the note
            else:
                page.keyboard.press("Enter")
                page.keyboard.type(note)
            assert _active_name(page) == "note"
        page.keyboard.press("Alt+ArrowDown")  # leaving the note saves it; autosave keeps the focus
    assert _focused_row(page) == ids[-1] or _focused_row(page) == page.eval_on_selector_all(
        "form.row", "rows => rows[20] ? rows[20].id : ''"
    )
    _settled(page)

    def expected(entry):
        return KEYS[entry["key"]], entry["note"], entry["reason"]

    stored = {r.pk: (r.result, r.note, r.na_reason) for r in ResultRecord.objects.filter(pk__in=pks)}
    for i, (pk, entry) in enumerate(zip(pks, plan, strict=True)):
        result, note, reason = expected(entry)
        got = stored[pk]
        # typing on an item appends to its note (the caret goes to the end)
        assert got == (result, old_notes[pk] + note, reason), f"item {i}: {got}"

    # No request ever asked for 不适用 without a reason.
    assert len(posts) >= 20
    for body in posts:
        if re.search(r'name="result"\s+不适用', body):
            assert re.search(r'name="na_reason"\s+\S', body), body

    page.reload()
    page.wait_for_selector(f"#{ids[-1]}")
    for i, (row_id, pk) in enumerate(zip(ids, pks, strict=True)):
        row = page.locator(f"#{row_id}")
        shown = (
            row.locator("input[name=result]:checked").get_attribute("value"),
            row.locator("textarea[name=note]").input_value(),
            row.locator("input[name=na_reason]").input_value(),
        )
        assert shown == stored[pk], f"item {i}: page {shown} != stored {stored[pk]}"
    assert js_errors == []
    page.locator(f"#{ids[na_after]}").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "checklist-keyboard.png"), full_page=False)


def test_a_refused_save_shows_on_the_item_and_the_stored_value(live_server, page, js_errors, demo_engagement):
    from django.db.models import F

    from dengbao.assessments.models import Assessment, ResultRecord

    assessment = Assessment.objects.get(name__startswith="HIS")
    target = assessment.test_objects.get(name="HIS数据库服务器")
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/projects/demo/assessments/{assessment.pk}/objects/{target.pk}/")
    first = page.eval_on_selector("form.row", "r => r.id")
    pk = int(first.removeprefix("row-"))
    # someone else saves the item meanwhile: the page's version is stale
    ResultRecord.objects.filter(pk=pk).update(result="部分符合", note="他人的记录", version=F("version") + 1)
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("3")
    page.wait_for_selector(f"#{first}[data-state=error]")
    row = page.locator(f"#{first}")
    assert "修改为“部分符合”" in row.locator(".status").inner_text()
    assert row.locator("input[name=result]:checked").get_attribute("value") == "部分符合"
    assert row.locator("textarea[name=note]").input_value() == "他人的记录"
    assert _focused_row(page) == first  # the redraw keeps the keyboard on the item
    assert ResultRecord.objects.get(pk=pk).result == "部分符合"
    # 4 with no reason sends nothing and says so on the item; the stored result stays
    page.keyboard.press("4")
    page.wait_for_selector(f"#{first}[data-state=pending]")
    assert ResultRecord.objects.get(pk=pk).result == "部分符合"
    page.keyboard.press("Escape")
    page.keyboard.press("1")  # another choice drops the pending 不适用 and saves
    page.wait_for_selector(f"#{first}[data-state=saved]")
    assert ResultRecord.objects.get(pk=pk).result == "符合"
    assert js_errors == []
