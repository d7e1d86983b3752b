"""The project manager generates a 测评报告 in the background, watches it finish, and previews its pages."""

from __future__ import annotations

import re
import shutil

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_report_generated_in_the_background_then_previewed(
    live_server, page, js_errors, demo_engagement, screenshot_dir, settings
):
    from dengbao.reports.models import DocumentJob, GeneratedDocument

    settings.DENGBAO_TASKS_INLINE = False  # the real dispatcher: a worker thread, the page polls
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "pm")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/projects/$"))

    page.goto(live_server.url + "/projects/demo/documents/")
    page.select_option("select[name=system_id]", label="HIS 医院信息系统（HIS）")
    page.get_by_role("button", name="生成等级测评报告").click()
    page.wait_for_url(re.compile(r"/documents/jobs/\d+/$"))
    page.wait_for_selector("#job-progress[data-status=done]", timeout=120_000)
    page.screenshot(path=str(screenshot_dir / "job-done.png"))
    job = DocumentJob.objects.get()
    assert job.status == "done" and job.done == job.total == 2
    report = GeneratedDocument.objects.get(kind="assessment_report")
    link = page.get_by_role("link", name=report.filename)
    assert link.count() == 1

    if shutil.which("soffice") or shutil.which("libreoffice"):
        page.goto(f"{live_server.url}/projects/demo/documents/{report.pk}/preview/")
        first = page.locator(".pages img").first
        first.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
        assert page.locator(".pages img").count() >= 1
        page.screenshot(path=str(screenshot_dir / "preview.png"))
        # Let every page image the browser asked for arrive before the live server's
        # database is flushed: a request still rendering at teardown meets a locked table.
        page.wait_for_load_state("networkidle")
        page.goto("about:blank")
    assert js_errors == []
