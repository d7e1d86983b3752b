"""A person signs in as the demo project manager and opens the demo project's dashboard."""

from __future__ import annotations

import re

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# The six systems of the demo engagement (shared/domain/SCENARIO.md).
SIX_SYSTEMS = ("HIS", "EMR", "LIS", "互联网医院", "OA", "门户网站")
DEMO_PROJECT = "江城市第一医院网络安全等级保护测评及安全服务项目（演示）"


def test_pm_logs_in_and_sees_demo_dashboard(live_server, page, js_errors, demo_engagement, screenshot_dir):
    assert set(demo_engagement) >= {"pm"}, demo_engagement  # the demo created the users just now

    stylesheets: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: stylesheets.append((r.url, r.status)) if r.url.endswith(".css") else None,
    )

    # Anonymous: the home page sends us to the login page.
    page.goto(live_server.url + "/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.locator("input[name=username]").is_visible()
    page.screenshot(path=str(screenshot_dir / "login.png"))

    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")

    # Signed in: the project list, with the demo project in it.
    page.wait_for_url(re.compile(r"/projects/$"))
    project_link = page.get_by_role("link", name=DEMO_PROJECT)
    assert project_link.count() == 1
    counts = page.locator("tr", has=project_link).locator("td.num").all_inner_texts()
    assert [c.strip() for c in counts] == ["6", "5"]  # six systems, five project members
    page.screenshot(path=str(screenshot_dir / "projects.png"))
    project_link.click()

    # The demo project's dashboard.
    page.wait_for_url(re.compile(r"/projects/demo/$"))
    assert page.locator("h1").inner_text().strip() == DEMO_PROJECT
    rows = page.locator("#systems tbody tr")
    assert rows.count() == 6
    systems_text = page.locator("#systems").inner_text()
    for system in SIX_SYSTEMS:
        assert system in systems_text, system
    assert "我的角色：项目经理" in page.locator("main").inner_text()  # pm's own role is shown

    # The stylesheet was served and applied: the top bar is not the browser's default.
    assert any(status == 200 and "/static/dengbao/app.css" in url for url, status in stylesheets), stylesheets
    topbar_bg = page.locator("header.topbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert topbar_bg not in ("rgba(0, 0, 0, 0)", "transparent"), topbar_bg
    topbar_display = page.locator("header.topbar").evaluate("el => getComputedStyle(el).display")
    assert topbar_display == "flex"

    assert js_errors == []
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
