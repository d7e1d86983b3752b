"""The client contact accepts a deliverable and opens a ticket; the project manager sees both."""

from __future__ import annotations

import re

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/projects/$"))


def test_client_accepts_and_reports_manager_sees_both(
    live_server, browser, page, js_errors, demo_engagement, screenshot_dir
):
    base = live_server.url
    # The hospital's contact: the project menu leads to 项目管理 and its deliverables.
    sign_in(page, base, "hospital")
    page.goto(base + "/projects/demo/")
    page.get_by_role("link", name="项目管理").click()
    page.wait_for_url(re.compile(r"/projects/demo/engagement/$"))
    page.get_by_role("link", name="交付物", exact=True).first.click()
    row = page.locator("#deliverables tbody tr[data-status=delivered]")
    assert row.count() == 1 and "门户网站" in row.inner_text() and "等级测评报告" in row.inner_text()
    row.get_by_role("button", name="验收").click()
    page.wait_for_url(re.compile(r"/deliverables/"))
    assert page.locator("#deliverables tbody tr[data-status=delivered]").count() == 0
    accepted = page.locator("#deliverables tbody tr", has_text="门户网站").filter(has_text="等级测评报告")
    assert "刘信息科" in accepted.inner_text()

    # ... and reports an emergency from the portal.
    page.get_by_role("link", name="应急响应").click()
    page.fill("#new-ticket input[name=title]", "门户网站打不开（浏览器测试）")
    page.select_option("#new-ticket select[name=priority]", "P1")
    page.select_option("#new-ticket select[name=systems]", label="门户网站")
    page.fill("#new-ticket textarea[name=description]", "首页 502 错误")
    page.get_by_role("button", name="提交工单").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    assert "门户网站打不开（浏览器测试）" in page.locator("h1").inner_text()
    assert "响应：计时中" in page.locator("#clocks").inner_text()
    page.screenshot(path=str(screenshot_dir / "client-ticket.png"), full_page=True)
    assert js_errors == []

    # The project manager, in a separate session, sees the acceptance and the open ticket.
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    pm_page = context.new_page()
    pm_errors: list[str] = []
    pm_page.on("pageerror", lambda exc: pm_errors.append(str(exc)))
    try:
        sign_in(pm_page, base, "pm")
        pm_page.goto(base + "/projects/demo/engagement/")
        tickets = pm_page.locator("#open-tickets")
        assert "门户网站打不开（浏览器测试）" in tickets.inner_text()
        assert "剩余" in tickets.inner_text()  # the response clock counts down
        summary = pm_page.locator("#deliverables-summary").inner_text()
        assert "已验收 23" in summary.replace("\n", " ")
        pm_page.wait_for_function("document.getElementById('gantt').dataset.drawn === '1'")
        assert pm_page.locator("#gantt canvas").count() >= 1
        assert pm_page.locator("#late-services li.overdue").count() == 2
        pm_page.screenshot(path=str(screenshot_dir / "engagement-dashboard.png"), full_page=True)
        pm_page.goto(base + "/projects/demo/engagement/deliverables/")
        accepted = pm_page.locator("#deliverables tbody tr", has_text="门户网站").filter(
            has_text="等级测评报告"
        )
        assert "刘信息科" in accepted.inner_text()
        assert pm_errors == []
    finally:
        context.close()
