"""Dark links (暗链): every link on a page, whether a person can see it, and whether it is spam.

Links come from <a>/<area>, iframes, meta refresh, and inline scripts: HTML written with
document.write is parsed as HTML (hidden-ness included), location/window.open targets and URL
string literals are taken as hidden links. A link is suspicious when its target or text hits the
keyword/domain lists, or when it points off-site and is hidden by a trick that has no honest use.
Merging the fetches made with the browser and spider user agents shows cloaking: spam served to
Baiduspider and friends but not to people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import lxml.html

from . import page
from .css import Hiding, Visibility, page_rules
from .results import Severity
from .wordlists import KeywordHit, KeywordLists

_DOC_WRITE = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)", re.S)
_STRING = re.compile(r"""(['"`])((?:\\.|(?!\1).)*)\1""", re.S)
_REDIRECT = re.compile(
    r"""(?:location(?:\s*\.\s*href)?\s*=|location\s*\.\s*(?:replace|assign)\s*\(|window\s*\.\s*open\s*\()"""
    r"""\s*(['"])((?:\\.|(?!\1).)+)\1""",
    re.S,
)
_URL_LITERAL = re.compile(r"^(?:https?:)?//[^\s'\"<>]+$", re.I)
_JS_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S)
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")
_META_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)


@dataclass(frozen=True)
class FoundLink:
    url: str
    text: str
    kind: str  # a, iframe, meta-refresh, document.write, script-redirect, script-url
    hidden: bool
    hiding: tuple[Hiding, ...] = ()

    @property
    def strongly_hidden(self) -> bool:
        return any(h.strong for h in self.hiding)


def _unescape_js(value: str) -> str:
    def repl(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "xu" and len(code) > 1:
            return chr(int(code[1:], 16))
        return {"n": "\n", "t": "\t", "r": ""}.get(code, code)

    return _JS_ESCAPE.sub(repl, value)


def _literals(code: str) -> list[str]:
    return [_unescape_js(m.group(2)) for m in _STRING.finditer(code)]


def _link_text(el: lxml.html.HtmlElement) -> str:
    text = page.collapse(el.text_content())
    if not text:
        text = el.get("title", "") or " ".join(img.get("alt", "") for img in el.iter("img")).strip()
    return text[:200]


def _from_tree(
    root: lxml.html.HtmlElement,
    base: str,
    vis: Visibility,
    *,
    kind_prefix: str = "",
    context: Sequence[Hiding] = (),
) -> list[FoundLink]:
    out: list[FoundLink] = []
    for el in root.iter("a", "area", "iframe", "frame"):
        attr = "href" if el.tag in ("a", "area") else "src"
        raw = el.get(attr, "").strip()
        if not raw or raw.lower().startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
            continue
        hiding = tuple(context) + tuple(vis.reasons(el))
        kind = kind_prefix or ("iframe" if el.tag in ("iframe", "frame") else "a")
        out.append(FoundLink(page.absolute(base, raw), _link_text(el), kind, bool(hiding), hiding))
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "refresh":
            match = _META_URL.search(meta.get("content", ""))
            if match:
                hiding = (Hiding("meta refresh 自动跳转", True),)
                out.append(
                    FoundLink(page.absolute(base, match.group(1).strip()), "", "meta-refresh", True, hiding)
                )
    return out


def extract_links(html: str, page_url: str, *, root: lxml.html.HtmlElement | None = None) -> list[FoundLink]:
    """Every link a page carries or writes, with why each hidden one is hidden.

    ``root`` is the page already parsed (shared with the snapshot and the word checks); not modified.
    """
    if root is None:
        root = page.parse(html)
    base = page.base_url(root, page_url)
    rules = page_rules(root)
    vis = Visibility(root, rules)
    links = _from_tree(root, base, vis)
    for script in root.iter("script"):
        if script.get("src"):
            continue
        code = script.text_content()
        if not code.strip():
            continue
        context = tuple(vis.reasons(script))
        links += _from_script(code, base, rules, context)
    return _dedupe(links)


def _from_script(code: str, base: str, rules: list, context: tuple[Hiding, ...]) -> list[FoundLink]:
    out: list[FoundLink] = []
    written_spans: list[tuple[int, int]] = []
    for call in _DOC_WRITE.finditer(code):
        written_spans.append(call.span())
        html = "".join(_literals(call.group(1)))
        if "%3c" in html.lower():
            html = unquote(_PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), html))
        fragment = page.parse_fragment(html)
        vis = Visibility(fragment, rules)
        out += _from_tree(fragment, base, vis, kind_prefix="document.write", context=context)
    for match in _REDIRECT.finditer(code):
        written_spans.append(match.span())
        target = _unescape_js(match.group(2)).strip()
        hiding = (*context, Hiding("内联脚本跳转（location/window.open）", True))
        out.append(FoundLink(page.absolute(base, target), "", "script-redirect", True, hiding))
    for match in _STRING.finditer(code):  # other URL literals, not those already read above
        if any(start <= match.start() < end for start, end in written_spans):
            continue
        value = _unescape_js(match.group(2)).strip()
        if _URL_LITERAL.match(value):
            hiding = (*context, Hiding("内联脚本中的地址", False))
            out.append(FoundLink(page.absolute(base, value), "", "script-url", True, hiding))
    return out


def _dedupe(links: Iterable[FoundLink]) -> list[FoundLink]:
    """One entry per (url, kind, text); a hidden sighting wins over a visible one."""
    kept: dict[tuple[str, str, str], FoundLink] = {}
    for link in links:
        key = (link.url, link.kind, link.text)
        if key not in kept or (link.hidden and not kept[key].hidden):
            kept[key] = link
    return list(kept.values())


@dataclass(frozen=True)
class DarkLink:
    """A suspicious link, as the CLI and the database report it."""

    url: str
    text: str
    hidden: bool
    reason: str
    kind: str
    severity: Severity
    categories: tuple[str, ...]
    hits: tuple[KeywordHit, ...]
    hiding: tuple[str, ...]
    seen_by: tuple[str, ...]
    spider_only: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "text": self.text,
            "hidden": self.hidden,
            "reason": self.reason,
            "kind": self.kind,
            "severity": str(self.severity),
            "categories": list(self.categories),
            "hiding": list(self.hiding),
            "seen_by": list(self.seen_by),
            "spider_only": self.spider_only,
        }


BROWSER = "browser"


def find_dark_links(views: dict[str, list[FoundLink]], page_url: str, lists: KeywordLists) -> list[DarkLink]:
    """Suspicious links across fetches; ``views`` maps an agent name ("browser", "Baiduspider") to links."""
    page_host = page.host_of(page_url)
    by_url: dict[str, list[tuple[str, FoundLink]]] = {}
    for agent, links in views.items():
        for link in links:
            by_url.setdefault(link.url, []).append((agent, link))
    out: list[DarkLink] = []
    for url, sightings in by_url.items():
        agents = tuple(dict.fromkeys(agent for agent, _ in sightings))
        hidden_sightings = [link for _, link in sightings if link.hidden]
        link = hidden_sightings[0] if hidden_sightings else sightings[0][1]
        texts = " ".join(dict.fromkeys(lk.text for _, lk in sightings if lk.text))
        hits = tuple(dict.fromkeys(lists.match(url=url, text=texts)))
        external = page.is_external(url, page_host)
        spider_only = BROWSER in views and BROWSER not in agents
        verdict = _judge(link, hits, external, spider_only)
        if verdict is None:
            continue
        severity, reason = verdict
        out.append(
            DarkLink(
                url=url,
                text=link.text or texts,
                hidden=link.hidden,
                reason=reason,
                kind=link.kind,
                severity=severity,
                categories=tuple(dict.fromkeys(h.category for h in hits)),
                hits=hits,
                hiding=tuple(dict.fromkeys(h.reason for h in link.hiding)),
                seen_by=agents,
                spider_only=spider_only,
            )
        )
    out.sort(key=lambda d: (-d.severity.rank, d.url))
    return out


def _judge(
    link: FoundLink, hits: tuple[KeywordHit, ...], external: bool, spider_only: bool
) -> tuple[Severity, str] | None:
    parts: list[str] = []
    if hits:
        parts.append("；".join(h.describe() for h in hits[:3]))
    if link.hidden:
        parts.append("隐藏：" + "；".join(dict.fromkeys(h.reason for h in link.hiding)))
    if spider_only:
        parts.append("仅对搜索引擎爬虫显示（cloaking）")
    if hits:
        severity = Severity.HIGH if (link.hidden or spider_only) else Severity.MEDIUM
    elif external and spider_only:
        severity = Severity.MEDIUM
    elif external and link.strongly_hidden:
        severity = Severity.MEDIUM
    elif external and link.hidden:
        severity = Severity.LOW
    else:
        return None
    if not hits and external:
        parts.insert(0, "指向外部站点")
    return severity, "；".join(parts)
