"""HTML parsing shared by the tamper, dark-link and keyword checks (lxml: fast C parser, lenient)."""

from __future__ import annotations

import functools
import re
import threading
from typing import cast
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Content a browser never shows as page text.
NON_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})


def parse(html: str) -> lxml.html.HtmlElement:
    """Parse a whole page; a blank or unparsable page becomes an empty document instead of an error."""
    html = _XML_DECL.sub("", html)
    if not html.strip():
        return lxml.html.document_fromstring("<html><body></body></html>")
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>")


_SELECTORS = threading.local()  # compiled CSS selectors; lxml XPath objects stay in their thread
_MAX_SELECTORS = 2048


def select(root: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    """``root.cssselect(selector)`` with the selector compiled once (per thread), not on every page.

    Raises what ``cssselect`` raises for a selector it cannot read (``SelectorError``, ``XPathError``).
    """
    cache: dict[str, CSSSelector | Exception] | None = getattr(_SELECTORS, "cache", None)
    if cache is None:
        cache = _SELECTORS.cache = {}
    compiled = cache.get(selector)
    if compiled is None:
        try:
            compiled = CSSSelector(selector, translator="html")
        except Exception as exc:  # remembered and raised again: a bad selector stays bad
            compiled = exc
        if len(cache) >= _MAX_SELECTORS:
            cache.clear()
        cache[selector] = compiled
    if isinstance(compiled, Exception):
        raise compiled
    return cast("list[lxml.html.HtmlElement]", compiled(root))  # a CSS selector selects elements only


def parse_fragment(html: str) -> lxml.html.HtmlElement:
    """Parse HTML that a script writes into the page (document.write), wrapped in one element."""
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.fragment_fromstring("", create_parent="div")


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def visible_text(root: lxml.html.HtmlElement) -> str:
    """The page's readable text, scripts and styles left out, whitespace collapsed.

    Document order, each element's text then its tail, then its children; a script, style, head or
    title element is left out with everything inside it and its tail. One walk, no ancestor look-ups.
    """
    parts: list[str] = []
    stack = [(root, True)]
    while stack:
        el, is_root = stack.pop()
        tag = el.tag
        if isinstance(tag, str):
            if tag in NON_TEXT_TAGS:
                continue
            if el.text:
                parts.append(el.text)
        if el.tail and not is_root:
            parts.append(el.tail)
        children = list(el)
        stack.extend((child, False) for child in reversed(children))
    return collapse(" ".join(parts))


def title(root: lxml.html.HtmlElement) -> str:
    found = root.find(".//title")
    return collapse(found.text_content()) if found is not None else ""


def base_url(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The URL relative links resolve against (a <base href> wins over the page URL)."""
    base = root.find(".//base[@href]")
    if base is not None:
        return urljoin(page_url, base.get("href", "").strip())
    return page_url


@functools.lru_cache(maxsize=16384)
def absolute(base: str, href: str) -> str:
    href = href.strip()
    if not href:
        return ""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


@functools.lru_cache(maxsize=16384)
def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "co", "mil"})


@functools.lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable part of a host, enough to tell "our site" from "elsewhere" (hosp.gov.cn)."""
    labels = [part for part in host.lower().rstrip(".").split(".") if part]
    if len(labels) <= 2 or all(p.isdigit() for p in labels):
        return ".".join(labels)
    keep = 3 if labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def is_external(url: str, page_host: str) -> bool:
    host = host_of(url)
    if not host:
        return False
    return site_of(host) != site_of(page_host)
