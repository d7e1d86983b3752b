"""Finding 11 (headers): no CSP, no ``Cache-Control: no-store`` on client data, a ``Server: uvicorn`` banner.

Every answer of every project route (GET, as the project's manager: pages, downloads, API)
carries a Content-Security-Policy without ``unsafe-inline``, ``no-store``, a Referrer-Policy
and a Permissions-Policy; the served app sends no Server header; no template holds the inline
script, style or event handlers the CSP would refuse.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.test import Client

import dengbao
from dengbao.accounts.roles import ProjectRole
from tests.authz.routes import PUBLIC_PREFIXES, all_routes

TEMPLATES = Path(dengbao.__file__).parent
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "on*= handler": re.compile(r"\son[a-z]+\s*=\s*[\"'{]", re.I),
    "javascript: URL": re.compile(r"[\"']\s*javascript:", re.I),
}


FALLS_BACK = {"script-src", "style-src", "object-src"}  # to default-src


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def _header_problems(url: str, response) -> list[str]:
    problems = []
    policy = _directives(response.headers.get("Content-Security-Policy", ""))
    if not policy:
        return [f"{url}: no Content-Security-Policy"]
    strict = policy.get("default-src") == ["'none'"]  # a view's own, stricter policy (a snapshot)
    if any("'unsafe-inline'" in v or "'unsafe-eval'" in v for v in policy.values()):
        problems.append(f"{url}: CSP allows unsafe-inline/eval")
    if policy.get("default-src") not in (["'self'"], ["'none'"]):
        problems.append(f"{url}: CSP default-src is {policy.get('default-src')}")
    for directive, value in {
        "script-src": ["'self'"], "style-src": ["'self'"],
        "frame-ancestors": ["'none'"], "object-src": ["'none'"], "base-uri": ["'none'"],
    }.items():  # fmt: skip
        if policy.get(directive) != value and not (directive in FALLS_BACK and strict):
            problems.append(f"{url}: CSP {directive} is {policy.get(directive)}")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"{url}: Cache-Control {response.headers.get('Cache-Control')!r}")
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer"):
        problems.append(f"{url}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    permissions = response.headers.get("Permissions-Policy", "")
    if not all(f"{f}=()" in permissions for f in ("camera", "microphone", "geolocation")):
        problems.append(f"{url}: Permissions-Policy {permissions!r}")
    return problems


def test_every_project_route_answers_with_the_security_headers(world_a, login):
    manager = login(world_a.members[ProjectRole.MANAGER])
    problems, seen = [], 0
    for route in all_routes():
        if not route.project_scoped or route.admin_area:
            continue
        url = route.url(world_a)
        response = manager.get(url)
        seen += 1
        problems += _header_problems(url, response)
    assert seen > 60
    assert not problems, "\n".join(problems)


def test_login_error_and_api_answers_carry_them_too(world_a, login):
    anonymous = Client()
    problems = _header_problems("/accounts/login/", anonymous.get("/accounts/login/"))
    problems += _header_problems("/no-such-page/", anonymous.get("/no-such-page/"))
    manager = login(world_a.members[ProjectRole.MANAGER])
    problems += _header_problems("/api/docs", manager.get("/api/docs"))
    problems += _header_problems("/api/projects", manager.get("/api/projects"))
    assert not problems, "\n".join(problems)


def test_static_files_may_be_cached_and_still_carry_the_policy(db):
    response = Client().get("/static/dengbao/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "/static/" in PUBLIC_PREFIXES


def test_no_template_holds_what_the_policy_refuses():
    found = []
    for path in sorted(TEMPLATES.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # template comments are never sent
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}: {match.group(0).strip()}")
    assert not found, "move these to static files (the CSP refuses them):\n" + "\n".join(found)


def test_the_guard_sees_each_kind_of_inline_code():
    """The patterns above catch what they must (a guard that matches nothing guards nothing)."""
    samples = {
        "inline <script>": "<script>alert(1)</script>",
        "<style> block": "<style>p{}</style>",
        "style= attribute": '<p style="color:red">',
        "on*= handler": "<form onsubmit=\"return confirm('x')\">",
        "javascript: URL": '<a href="javascript:void(0)">',
    }
    for what, sample in samples.items():
        assert INLINE[what].search(sample), what
    allowed = '<script src="/static/x.js" defer></script><script type="application/json" id="d">{}</script>'
    assert not any(p.search(allowed) for p in INLINE.values())


def test_the_served_app_sends_no_server_banner(db):
    """`dengbao run`'s own uvicorn configuration, serving on loopback."""
    import uvicorn

    from dengbao.commands.run import server_config

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = server_config("127.0.0.1", port)
    assert isinstance(config, uvicorn.Config)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        response = httpx.get(f"http://127.0.0.1:{port}/static/dengbao/app.css", timeout=10)
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()
    assert response.status_code == 200
    assert "server" not in response.headers
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/accounts/login/"])
def test_the_login_page_renders_without_inline_code(db, path):
    body = Client().get(path).content.decode()
    assert not [what for what, p in INLINE.items() if p.search(body)]
