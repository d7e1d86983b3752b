"""An assessor uploads a collection bundle and accepts the proposed results in one action."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_upload_bundle_and_accept_all(
    live_server, page, js_errors, demo_engagement, screenshot_dir, tmp_path
):
    from dengbao.accounts.models import User
    from dengbao.assessments import services
    from dengbao.assessments.models import Assessment, ResultRecord
    from dengbao.core.collect.scripts import linux

    assessment = Assessment.objects.get(name__startswith="HIS")
    hostname = subprocess.run(["hostname"], capture_output=True, text=True).stdout.strip()
    target = services.object_add(
        actor=User.objects.get(username="assessor"),
        assessment=assessment,
        kind="服务器/操作系统",
        name=hostname,
    )
    (tmp_path / "c.sh").write_text(linux.script(), encoding="utf-8")
    subprocess.run(
        ["sh", "c.sh", "bundle.tar.gz"], cwd=tmp_path, check=True, capture_output=True, timeout=120
    )

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "assessor")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/projects/$"))
    page.goto(f"{live_server.url}/projects/demo/assessments/{assessment.pk}/")
    page.click("text=自动化采集")
    page.wait_for_selector("#collect-upload")
    page.set_input_files("input[name=bundles]", str(tmp_path / "bundle.tar.gz"))
    page.click("#collect-upload button[type=submit]")
    page.wait_for_selector("#proposals tbody tr")
    assert f"bundle.tar.gz → {hostname}" in page.content()
    rows = page.locator("#proposals tbody tr").count()
    assert rows >= 10
    page.locator("#proposals details").first.click()
    page.screenshot(path=str(screenshot_dir / "collection-proposals.png"), full_page=True)

    page.click("#accept-all")  # one action accepts every proposal
    page.wait_for_selector("text=已采纳")
    page.screenshot(path=str(screenshot_dir / "collection-accepted.png"), full_page=False)
    current = assessment.rounds.order_by("-number").first()
    written = ResultRecord.objects.filter(round=current, obj=target).exclude(result="")
    assert written.count() == rows
    assert all(r.note and r.methods == ["核查"] for r in written)
    assert written.get(unit_id="L3-CES1-01").note.startswith("经核查，/etc/login.defs 中 PASS_MAX_DAYS 为")

    # the checklist says which results a rule wrote, and from which bundle
    page.goto(f"{live_server.url}/projects/demo/assessments/{assessment.pk}/objects/{target.pk}/")
    first = page.locator(f"#row-{written.get(unit_id='L3-CES1-01').pk}")
    first.scroll_into_view_if_needed()
    assert "规则建议 · linux · bundle.tar.gz" in first.locator(".status").inner_text()
    assert page.locator(".status .source-rule").count() == rows
    page.screenshot(path=str(screenshot_dir / "collection-checklist-source.png"), full_page=False)
    assert js_errors == []
