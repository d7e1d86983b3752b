"""Editable keyword and domain lists for dark links and sensitive words, with defaults as data files.

The defaults ship in ``data/*.txt`` (one term per line, ``# label:`` names the category in
Chinese, ``domain:`` lines are domains or suffixes). The database layer stores a project's edited
copy as the same text and parses it with :func:`parse_list`, so there is one format.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from urllib.parse import unquote, urlsplit

CATEGORIES = ("gambling", "lottery", "porn", "illicit")
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class KeywordHit:
    category: str
    label: str
    term: str
    where: str  # "text", "url" or "domain"

    def describe(self) -> str:
        place = {"text": "文字", "url": "链接地址", "domain": "域名"}[self.where]
        return f"{place}命中{self.label}词“{self.term}”"


@dataclass(frozen=True)
class WordList:
    category: str
    label: str
    terms: tuple[str, ...]
    domains: tuple[str, ...] = ()

    @functools.cached_property
    def _text_re(self) -> re.Pattern[str] | None:
        return _alternation(self.terms, url=False)

    @functools.cached_property
    def _url_re(self) -> re.Pattern[str] | None:
        return _alternation(self.terms, url=True)

    def match_text(self, text: str) -> list[KeywordHit]:
        if not text or self._text_re is None:
            return []
        found = dict.fromkeys(m.group(0).lower() for m in self._text_re.finditer(text))
        return [KeywordHit(self.category, self.label, term, "text") for term in found]

    def match_url(self, url: str) -> list[KeywordHit]:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return []
        hits = [
            KeywordHit(self.category, self.label, d, "domain")
            for d in self.domains
            if host and (host.endswith(d) if d.startswith(".") else host == d or host.endswith("." + d))
        ]
        if self._url_re is not None:
            target = f"{host}/{unquote(parts.path)}?{unquote(parts.query)}"
            found = dict.fromkeys(m.group(0).lower() for m in self._url_re.finditer(target))
            hits += [KeywordHit(self.category, self.label, term, "url") for term in found]
        return hits


def _alternation(terms: Iterable[str], *, url: bool) -> re.Pattern[str] | None:
    """One regex per list. Chinese terms match anywhere; Latin and pinyin ones only as whole words
    (in URLs, terms of five letters or more may sit inside a label: ``xinpujingbocai.com``)."""
    parts = []
    for term in sorted({t.lower() for t in terms if t}, key=len, reverse=True):
        escaped = re.escape(term)
        if _CJK.search(term):
            parts.append(escaped)
        elif url:
            parts.append(escaped if len(term) >= 5 else rf"(?<![a-z]){escaped}(?![a-z])")
        else:
            parts.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def parse_list(text: str, *, category: str, label: str | None = None) -> WordList:
    terms: list[str] = []
    domains: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# label:") and label is None:
            label = line.split(":", 1)[1].strip()
            continue
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("domain:"):
            domains.append(line.split(":", 1)[1].strip().lower().rstrip("."))
        else:
            terms.append(line)
    return WordList(category=category, label=label or category, terms=tuple(terms), domains=tuple(domains))


@dataclass(frozen=True)
class KeywordLists:
    lists: tuple[WordList, ...]

    def match(self, *, url: str = "", text: str = "") -> list[KeywordHit]:
        hits: list[KeywordHit] = []
        for word_list in self.lists:
            if text:
                hits += word_list.match_text(text)
            if url:
                hits += word_list.match_url(url)
        return hits


def data_text(name: str) -> str:
    return resources.files(__package__).joinpath("data").joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def default_lists() -> KeywordLists:
    return KeywordLists(tuple(parse_list(data_text(f"{c}.txt"), category=c) for c in CATEGORIES))


def parse_words(text: str) -> tuple[str, ...]:
    """A plain word list: one entry per line, ``#`` comments."""
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")
    )


@functools.lru_cache(maxsize=1)
def default_defacement_phrases() -> tuple[str, ...]:
    return parse_words(data_text("defacement.txt"))


@functools.lru_cache(maxsize=1)
def default_sensitive_words() -> tuple[str, ...]:
    return parse_words(data_text("sensitive.txt"))


def count_words(text: str, words: Sequence[str]) -> dict[str, int]:
    """How often each word occurs (case-insensitive); words that do not occur are left out."""
    lowered = text.lower()
    counts = {w: lowered.count(w.lower()) for w in words if w}
    return {w: n for w, n in counts.items() if n}
