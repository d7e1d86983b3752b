"""Fixtures for browser tests: Debian's Chromium driven by Playwright against ``live_server``.

Playwright never downloads a browser here: it launches /usr/bin/chromium (Debian's
package ``chromium``). Each launch gets a fresh, throw-away profile directory from
Playwright itself, so no state leaks between runs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("DENGBAO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no network but the package registries: keep Chromium from
    # calling home at start (refused connections, failed look-ups).
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "Demo-Browser-2026!"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """A file-backed SQLite test database for the browser tests. Django's default in-memory test
    database is shared-cache: its table locks ("database table is locked") ignore the busy timeout,
    so a background job writing while the live server answers the page's polling fails now and
    then. A file behaves as in production (WAL, busy timeout)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        folder = Path(tempfile.mkdtemp(prefix="dengbao-browser-db-"))
        db.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django
    # then refuses ORM calls from fixtures and tests in the same thread (they are not
    # async code). Allowed only while the browser runs: set for the whole session, the
    # variable leaks into subprocesses of other tests (`check --deploy` reports async.E001).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A page in its own context (cookies, storage), as a Chinese-speaking user in Shanghai sees it."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(30_000)  # a loaded 2-core CI machine renders the big checklist slowly
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def js_errors(page) -> list[str]:
    """Uncaught JavaScript errors on ``page``, collected as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def demo_engagement(transactional_db, monkeypatch) -> dict[str, str]:
    """The demo engagement loaded as `dengbao demo` loads it; every demo user has DEMO_PASSWORD."""
    from dengbao import demo

    monkeypatch.setenv("DENGBAO_DEMO_PASSWORD", DEMO_PASSWORD)
    report = demo.load()
    return report.credentials


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where screenshots go: DENGBAO_SCREENSHOT_DIR when set (to look at them), else the test's tmp_path."""
    target = os.environ.get("DENGBAO_SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path
