"""A page reduced to what the tamper layers compare: a normalised hash, its text and its structure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import lxml.html

from . import page
from .normalise import NormaliseOptions, dom_hash, drop_cache_busters, mask_text, short_hash, strip_dynamic

STRUCTURE_KINDS = ("scripts", "iframes", "links", "resources", "forms", "domains")


@dataclass(frozen=True)
class Structure:
    """The parts of a page through which an attacker acts: code, frames, links, forms, other domains.

    Inline scripts are kept as ``inline:<hash of the masked code>``; URLs are absolute, without
    fragment or cache-busting parameters; ``domains`` are the other sites the page refers to.
    """

    scripts: frozenset[str] = frozenset()
    iframes: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    forms: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, list[str]]:
        return {kind: sorted(getattr(self, kind)) for kind in STRUCTURE_KINDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Structure:
        return cls(**{kind: frozenset(data.get(kind, ())) for kind in STRUCTURE_KINDS})


@dataclass(frozen=True)
class PageSnapshot:
    url: str
    dom_hash: str
    title: str
    text: str
    structure: Structure
    unusable_selectors: tuple[str, ...] = ()


def _clean(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme not in ("http", "https"):
        return ""
    return drop_cache_busters(urlunsplit(parts._replace(fragment="")))


def structure_of(doc: lxml.html.HtmlElement, page_url: str, options: NormaliseOptions) -> Structure:
    base = page.base_url(doc, page_url)
    page_host = page.host_of(page_url)

    def urls(xpath: str, attr: str) -> set[str]:
        found = set()
        for el in doc.xpath(xpath):
            cleaned = _clean(page.absolute(base, el.get(attr, "")))
            if cleaned:
                found.add(cleaned)
        return found

    scripts = urls("//script[@src]", "src")
    for el in doc.xpath("//script[not(@src)]"):
        code = mask_text(el.text_content(), options)
        if code:
            scripts.add(f"inline:{short_hash(code)}")
    iframes = urls("//iframe[@src] | //frame[@src]", "src")
    links = urls("//a[@href] | //area[@href]", "href")
    resources = urls("//link[@href]", "href") | urls("//embed[@src]", "src") | urls("//object[@data]", "data")
    forms = set()
    for form in doc.xpath("//form"):
        action = _clean(page.absolute(base, form.get("action", "") or page_url)) or page_url
        forms.add(f"{(form.get('method') or 'GET').upper()} {action}")
    images = urls("//img[@src]", "src")
    domains = set()
    for url in (*scripts, *iframes, *links, *resources, *images, *(f.split(" ", 1)[1] for f in forms)):
        if page.is_external(url, page_host):
            domains.add(page.host_of(url))
    return Structure(
        scripts=frozenset(scripts),
        iframes=frozenset(iframes),
        links=frozenset(links),
        resources=frozenset(resources),
        forms=frozenset(forms),
        domains=frozenset(domains),
    )


def take(
    url: str,
    html: str,
    options: NormaliseOptions | None = None,
    *,
    root: lxml.html.HtmlElement | None = None,
) -> PageSnapshot:
    """Snapshot a fetched page for comparison with (or approval as) a baseline.

    ``root`` is the page already parsed (:func:`page.parse` of ``html``), shared with the dark-link
    and sensitive-word checks so a page is parsed once; it is not modified.
    """
    options = options or NormaliseOptions()
    if root is None:
        root = page.parse(html)
    doc, bad = strip_dynamic(root, options)
    return PageSnapshot(
        url=url,
        dom_hash=dom_hash(doc, options),
        title=page.title(doc),
        text=mask_text(page.visible_text(doc), options),
        structure=structure_of(doc, url, options),
        unusable_selectors=tuple(bad),
    )
