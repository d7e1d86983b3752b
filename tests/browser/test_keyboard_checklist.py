"""An assessor records results with the keyboard on one object's checklist and sees the 符合率 change."""

from __future__ import annotations

import re

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _rate(page) -> float:
    page.wait_for_selector("#live-score-value")
    return float(page.locator("#live-score-value").get_attribute("data-rate"))


def test_keyboard_entry_changes_the_rate(live_server, page, js_errors, demo_engagement, screenshot_dir):
    from dengbao.assessments.models import Assessment, ResultRecord

    assessment = Assessment.objects.get(name__startswith="HIS")
    target = assessment.test_objects.get(name="HIS数据库服务器")
    current = assessment.rounds.order_by("-number").first()  # the open 复测 round the page shows
    first_rows = list(
        ResultRecord.objects.filter(round=current, obj=target, result="符合")
        .order_by("unit_id")
        .values_list("pk", flat=True)[:3]
    )
    assert len(first_rows) == 3

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "assessor")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/projects/$"))

    page.goto(f"{live_server.url}/projects/demo/assessments/{assessment.pk}/objects/{target.pk}/")
    before = _rate(page)

    for pk in first_rows:  # focus a row, press 3 (不符合): autosaved without the mouse
        row = page.locator(f"#row-{pk}")
        row.focus()
        page.keyboard.press("3")
        page.wait_for_selector(f"#row-{pk}.result-不符合")
    page.wait_for_function(
        f"() => parseFloat(document.querySelector('#live-score-value').dataset.rate) < {before}"
    )
    after = _rate(page)
    assert after < before
    # Tab moves on to the next row, and 1 records 符合 there.
    page.locator(f"#row-{first_rows[-1]}").focus()
    saved = set(ResultRecord.objects.filter(pk__in=first_rows).values_list("result", flat=True))
    assert saved == {"不符合"}
    assert js_errors == []
    page.screenshot(path=str(screenshot_dir / "checklist.png"), full_page=False)
