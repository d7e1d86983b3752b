"""Crawl the demo's main pages in Chromium: in English no Chinese outside the data; in Chinese no raw ids.

"Data" is what users and the catalogue wrote: every non-choice text in the database and every
text of the requirement catalogue (GB/T 22239 stays in Chinese). What is left once those are
taken out of a page's visible text must be the interface's own words, in the page's language.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from .test_engagement import sign_in

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3400-\u9fff]")
# Raw identifiers a Chinese page must not show: snake_case ids (assessment_report, risk_accepted)
# and the alert engine's event names.
RAW_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b(?:firing|resolved|held)\b")
# Chinese quoted on purpose in English sentences: official titles and numbers, and the Excel
# sheets' Chinese column headers that the help text names.
QUOTED = (
    "公网安〔2025〕1846号",
    "《网络安全等级保护测评高风险判定实施指引（试行）》",
    "对象类型",
    "名称",
    "型号/版本",
    "IP/位置",
    "重要程度",
    "关键/重要/一般",
    "符合情况",
    "结果记录",
    "测评方法",
    "不适用理由",
)
START = ("/projects/", "/projects/demo/", "/catalogue/")
SKIP = re.compile(r"logout|download|/pdf|preview|export|\.docx|\.xlsx|\.zip|/api/|/i18n/|/static/|/admin")
MAX_PAGES = 45


def _data_pieces() -> list[str]:
    from django.apps import apps
    from django.db import models

    import dengbao.core.catalogue as catalogue

    texts: set[str] = set()
    for model in apps.get_models():
        plain = [
            f.name
            for f in model._meta.fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if plain:
            for row in model.objects.values_list(*plain):
                texts.update(str(v) for v in row if v and CJK.search(str(v)))
        for field in model._meta.fields:
            if isinstance(field, models.JSONField):
                for value in model.objects.values_list(field.name, flat=True):
                    texts.update(
                        re.findall(r'"([^"]*[\u3400-\u9fff][^"]*)"', json.dumps(value, ensure_ascii=False))
                    )

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)
        elif isinstance(value, str) and CJK.search(value):
            yield value

    for path in Path(catalogue.__file__).parent.joinpath("data").glob("*.yaml"):
        texts.update(walk(yaml.safe_load(path.read_text(encoding="utf-8"))))
    pieces = {line.strip() for text in texts for line in text.splitlines() if line.strip()}
    return sorted(pieces | set(QUOTED), key=len, reverse=True)


def _leftover_chinese(text: str, pieces: list[str]) -> str:
    if not CJK.search(text):
        return ""
    for piece in pieces:
        if piece in text:
            text = text.replace(piece, " ")
            if not CJK.search(text):
                return ""
    return text.strip()


def _visible(page, charts: bool) -> list[str]:
    """The page's visible lines, tooltips and placeholders (not the language switch); with ``charts``
    also the texts the charts draw (their data-chart JSON), which innerText cannot see in a canvas."""
    return page.evaluate(
        """(charts) => {
        const lang = document.querySelector('form.lang');
        if (lang) lang.remove();
        const out = document.body.innerText.split('\\n');
        for (const el of document.querySelectorAll('[title],[placeholder],[aria-label]')) {
            for (const a of ['title', 'placeholder', 'aria-label']) {
                if (el.getAttribute(a)) out.push(el.getAttribute(a));
            }
        }
        if (charts) {
            const walk = v => Array.isArray(v) ? v.forEach(walk)
                : (v && typeof v === 'object') ? Object.values(v).forEach(walk)
                : (typeof v === 'string' ? out.push(v) : null);
            for (const el of document.querySelectorAll('[data-chart]')) {
                try { walk(JSON.parse(el.dataset.chart)); } catch (e) { out.push('unreadable chart data'); }
            }
        }
        return out.map(s => s.trim()).filter(Boolean);
    }""",
        charts,
    )


def _crawl(page, base: str, check, charts: bool = False) -> dict[str, list[str]]:
    """Visit the start pages and the links they lead to (same site, GET pages); ``check`` each."""
    queue, seen, found = [base + path for path in START], set(), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if (
            response is None
            or response.status != 200
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        page.wait_for_load_state("networkidle")
        for href in page.eval_on_selector_all(
            "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            path = urlparse(href).path
            if not SKIP.search(path) and (path.startswith("/projects/demo/") or path == "/catalogue/"):
                queue.append(base + path)
        problems = [line for line in _visible(page, charts) if check(line)]
        if problems:
            found[url.removeprefix(base)] = problems
    assert len(seen) >= 30, f"the crawl reached only {len(seen)} pages"
    return found


def test_english_pages_show_no_chinese_outside_the_data(live_server, page, demo_engagement):
    pieces = _data_pieces()
    base = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    sign_in(page, base, "pm")
    assert "Project members" in (page.goto(base + "/projects/demo/") and page.content())
    found = _crawl(page, base, lambda line: _leftover_chinese(line, pieces), charts=True)
    shown = {
        url: [_leftover_chinese(line, pieces)[:80] for line in lines][:5] for url, lines in found.items()
    }
    assert found == {}, json.dumps(shown, ensure_ascii=False, indent=1)


def test_chinese_pages_show_no_raw_identifiers(live_server, page, demo_engagement):
    pieces = _data_pieces()
    base = live_server.url
    sign_in(page, base, "pm")

    def raw(line: str) -> list[str]:
        return [m for m in RAW_ID.findall(line) if not any(m in piece for piece in pieces)]

    found = _crawl(page, base, raw)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
