"""Normalise a page before hashing, so that what changes on every load does not look like tampering.

Nonces, CSRF tokens, timestamps, cache-busting query values and the parts the user marks with CSS
selectors (a news ticker, a visitor counter) are removed; the rest is serialised canonically
(sorted attributes, collapsed whitespace, no comments) and hashed. A page is "unchanged" when its
normalised hash equals the baseline's; the other tamper layers say how much and how badly.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.etree
import lxml.html
from cssselect import SelectorError

from . import page

# Attribute values that are different on every response.
DEFAULT_IGNORE_ATTRIBUTES = (
    "nonce",
    "integrity",
    "data-csrf",
    "data-token",
    "data-nonce",
    "data-timestamp",
    "data-time",
)
_TOKEN_FIELD = re.compile(
    r"csrf|xsrf|token|authenticity|nonce|__viewstate|__eventvalidation|__requestverification", re.I
)
_CACHE_BUSTERS = frozenset(
    {"_", "t", "ts", "v", "ver", "timestamp", "time", "rnd", "rand", "random", "nocache", "cb"}
)
# Dynamic text: dates and times in common Chinese and ISO forms, epoch numbers, hex and base64 tokens, UUIDs.
DEFAULT_DYNAMIC_PATTERNS = (
    r"\d{4}[-/.年]\s*\d{1,2}[-/.月]\s*\d{1,2}\s*日?(?:[ T]\s*\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}秒?)?)?",
    r"\b\d{1,2}:\d{2}(?::\d{2})?\b",
    r"\b\d{10,13}\b",
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    r"\b[0-9a-fA-F]{16,}\b",
    r"(?=[A-Za-z0-9+_\-]*\d)(?=[A-Za-z0-9+_\-]*[A-Za-z])[A-Za-z0-9+_\-]{24,}={0,2}",
)


@dataclass(frozen=True)
class NormaliseOptions:
    """What the user tells us changes legitimately; stored with the monitor and the baseline."""

    ignore_selectors: tuple[str, ...] = ()
    ignore_attributes: tuple[str, ...] = DEFAULT_IGNORE_ATTRIBUTES
    ignore_patterns: tuple[str, ...] = field(default_factory=tuple)
    use_default_patterns: bool = True

    def patterns(self) -> re.Pattern[str]:
        return _compile(
            (*DEFAULT_DYNAMIC_PATTERNS, *self.ignore_patterns)
            if self.use_default_patterns
            else self.ignore_patterns
        )

    def masker(self) -> Callable[[str], str]:
        """``text -> text with dynamic parts replaced by ~``, for the many short texts of a page.

        With only the default patterns, a text without a digit and without eight hex letters in a
        row cannot match any of them (every default pattern needs one or the other), so it is
        returned as is after one cheap scan instead of running the big pattern over it.
        """
        pattern = self.patterns()
        if self.ignore_patterns or not self.use_default_patterns:
            return lambda text: pattern.sub("~", text)

        def mask(text: str) -> str:
            return pattern.sub("~", text) if _MAYBE_DYNAMIC.search(text) else text

        return mask


# What every default dynamic pattern needs somewhere in its match: a digit, or hex letters (a
# UUID or a long hex token written without digits has at least eight in a row).
_MAYBE_DYNAMIC = re.compile(r"[0-9]|[a-fA-F]{8}")
_PATTERN_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    compiled = _PATTERN_CACHE.get(patterns)
    if compiled is None:
        compiled = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else re.compile(r"(?!x)x")
        _PATTERN_CACHE[patterns] = compiled
    return compiled


def strip_dynamic(
    root: lxml.html.HtmlElement, options: NormaliseOptions
) -> tuple[lxml.html.HtmlElement, list[str]]:
    """A copy of ``root`` without the dynamic parts; also returns selectors that could not be used."""
    doc = copy.deepcopy(root)
    bad: list[str] = []
    for selector in options.ignore_selectors:
        try:
            matches = page.select(doc, selector)
        except (SelectorError, lxml.etree.XPathError):
            bad.append(selector)
            continue
        for el in matches:
            _drop(el)
    for el in list(doc.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        _drop(el)
    ignore = {a.lower() for a in options.ignore_attributes}
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name in list(el.attrib):
            if name.lower() in ignore:
                del el.attrib[name]
        if el.tag == "input" and _TOKEN_FIELD.search(el.get("name", "") + " " + el.get("id", "")):
            el.attrib.pop("value", None)
        if el.tag == "meta" and _TOKEN_FIELD.search(el.get("name", "")):
            el.attrib.pop("content", None)
        for attr in ("src", "href", "action"):
            if attr in el.attrib:
                el.set(attr, drop_cache_busters(el.get(attr, "")))
    return doc, bad


def _drop(el: lxml.html.HtmlElement) -> None:
    """Remove an element but keep its tail text (which belongs to the parent)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    parent.remove(el)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def drop_cache_busters(url: str) -> str:
    if "?" not in url:
        return url  # no query, nothing to drop (and no URL parsing for most links)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _CACHE_BUSTERS
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def canonical(doc: lxml.html.HtmlElement, options: NormaliseOptions) -> str:
    """A canonical serialisation: tags, sorted attributes and collapsed text, dynamic text masked."""
    masker = options.masker()
    out: list[str] = []

    def mask(text: str | None) -> str:
        return masker(page.collapse(text)) if text else ""

    def walk(el: lxml.html.HtmlElement) -> None:
        attrs = " ".join(f'{k}="{mask(v)}"' for k, v in sorted(el.attrib.items()))
        out.append(f"<{el.tag} {attrs}>" if attrs else f"<{el.tag}>")
        text = mask(el.text)
        if text:
            out.append(text)
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            tail = mask(child.tail)
            if tail:
                out.append(tail)
        out.append(f"</{el.tag}>")

    walk(doc)
    return "".join(out)


def dom_hash(doc: lxml.html.HtmlElement, options: NormaliseOptions) -> str:
    return hashlib.sha256(canonical(doc, options).encode("utf-8")).hexdigest()


def mask_text(text: str, options: NormaliseOptions) -> str:
    return page.collapse(options.patterns().sub("~", text))


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
