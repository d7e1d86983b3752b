"""HTML parsing shared by the tamper, dark-link and keyword checks (lxml: fast C parser, lenient)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

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


def parse_fragment(html: str) -> lxml.html.HtmlElement:
    """Parse HTML that a script writes into the page (document.write), wrapped in one element."""
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.fragment_fromstring("", create_parent="div")


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def visible_text(root: lxml.html.HtmlElement) -> str:
    """The page's readable text, scripts and styles left out, whitespace collapsed."""
    parts: list[str] = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in NON_TEXT_TAGS or _inside_non_text(el):
            continue
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        if el.tail and el.getparent() is not None and not _inside_non_text(el.getparent()):
            parts.append(el.tail)
    return collapse(" ".join(parts))


def _inside_non_text(el: lxml.html.HtmlElement) -> bool:
    for anc in el.iterancestors():
        if isinstance(anc.tag, str) and anc.tag in NON_TEXT_TAGS:
            return True
    return False


def title(root: lxml.html.HtmlElement) -> str:
    found = root.find(".//title")
    return collapse(found.text_content()) if found is not None else ""


def base_url(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The URL relative links resolve against (a <base href> wins over the page URL)."""
    base = root.find(".//base[@href]")
    if base is not None:
        return urljoin(page_url, base.get("href", "").strip())
    return page_url


def absolute(base: str, href: str) -> str:
    href = href.strip()
    if not href:
        return ""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "co", "mil"})


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
