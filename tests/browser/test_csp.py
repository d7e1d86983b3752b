"""The main pages under the Content-Security-Policy: no violation, and the charts still draw.

Violations are collected twice: from the console ("Refused to ...") and from the page's own
``securitypolicyviolation`` events (a listener Playwright adds before any page script).
Each chart is hovered so that its tooltip is drawn as well.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""
CHARTS = ("#gantt", "#trend", "#chart-categories", "#monitor-chart")


def test_main_pages_load_without_csp_violations_and_charts_render(
    live_server, page, js_errors, demo_engagement, screenshot_dir
):
    from dengbao.assessments.models import Assessment
    from dengbao.monitoring.models import Monitor

    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.context.add_init_script(LISTEN)

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/projects/$"))

    assessment = Assessment.objects.filter(project__slug="demo").order_by("pk").first()
    target = assessment.test_objects.order_by("pk").first()
    monitor = Monitor.objects.filter(project__slug="demo").order_by("pk").first()
    pages = {
        "dashboard": "/projects/demo/",
        "engagement": "/projects/demo/engagement/",
        "workbench": f"/projects/demo/assessments/{assessment.pk}/",
        "checklist": f"/projects/demo/assessments/{assessment.pk}/objects/{target.pk}/",
        "documents": "/projects/demo/documents/",
        "scanning": "/projects/demo/scanning/",
        "monitoring": "/projects/demo/monitoring/",
        "monitor": f"/projects/demo/monitoring/{monitor.pk}/",
        "api-docs": "/api/docs",
    }
    violations: dict[str, list[str]] = {}
    drawn: list[str] = []
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        for selector in CHARTS:
            chart = page.locator(selector)
            if chart.count() and chart.is_visible():
                chart.locator("canvas").first.wait_for(state="attached")
                box = chart.bounding_box()
                assert box and box["height"] > 50, (name, selector, box)
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.wait_for_timeout(300)  # the tooltip draws on the next frames
                drawn.append(f"{name}{selector}")
        if name == "api-docs":
            page.locator(".swagger-ui .info .title").wait_for()
        found = page.evaluate("window.__csp")
        if found:
            violations[name] = found
        page.screenshot(path=str(screenshot_dir / f"csp-{name}.png"), full_page=True)

    refused = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert violations == {} and refused == [], (violations, refused)
    assert {"engagement#gantt", "workbench#chart-categories", "scanning#trend"} <= set(drawn), drawn
    assert js_errors == []
