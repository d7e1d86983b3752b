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
        return self._match_parts(host, f"{host}/{unquote(parts.path)}?{unquote(parts.query)}")

    @functools.cached_property
    def _domain_index(self) -> tuple[dict[str, int], dict[str, int]]:
        """Suffix entries (``.bet``) and whole domains (``bet365.com``), each with its list position."""
        suffixes: dict[str, int] = {}
        names: dict[str, int] = {}
        for index, domain in enumerate(self.domains):
            (suffixes if domain.startswith(".") else names).setdefault(domain, index)
        return suffixes, names

    def _domain_hits(self, host: str) -> list[str]:
        """The list's domains that ``host`` is, or is under, in list order (a set look-up per label)."""
        if not host or not self.domains:
            return []
        suffixes, names = self._domain_index
        found: set[int] = set()
        if host in names:
            found.add(names[host])
        dot = host.find(".")
        while dot >= 0:
            tail = host[dot:]
            if tail in suffixes:
                found.add(suffixes[tail])
            if tail[1:] in names:
                found.add(names[tail[1:]])
            dot = host.find(".", dot + 1)
        return [self.domains[i] for i in sorted(found)]

    def _match_parts(self, host: str, target: str | None) -> list[KeywordHit]:
        """Domain hits for ``host``, then term hits in ``target`` (``host/path?query``; None: none)."""
        hits = [KeywordHit(self.category, self.label, d, "domain") for d in self._domain_hits(host)]
        if target is not None and self._url_re is not None:
            found = dict.fromkeys(m.group(0).lower() for m in self._url_re.finditer(target))
            hits += [KeywordHit(self.category, self.label, term, "url") for term in found]
        return hits


def _trie_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that finds any of ``terms`` (no word boundaries), built as a trie of characters.

    The regex engine then follows one branch per character instead of trying every term at every
    position, so a long list costs about as much as a short one. Used as a pre-filter: a text in
    which it finds nothing can contain no term, whatever the per-list boundary rules.
    """
    trie: dict[str, dict] = {}
    for term in {t.lower() for t in terms if t}:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        if "" in node:  # a term ends here: the shortest match is enough for a pre-filter
            return ""
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return re.compile(pattern(trie), re.IGNORECASE) if trie else None


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
    """The lists a page is matched against. Matching structures are built once per lists object
    (one version of the lists): a trie pre-filter over every term and a domain index per list."""

    lists: tuple[WordList, ...]

    @functools.cached_property
    def _any_term(self) -> re.Pattern[str] | None:
        return _trie_pattern(t for word_list in self.lists for t in word_list.terms)

    @functools.cached_property
    def _domain_keys(self) -> frozenset[str]:
        return frozenset(d for word_list in self.lists for d in word_list.domains)

    def _domain_candidate(self, host: str) -> bool:
        """Whether any list may name ``host`` (one set look-up per label; the lists then say which)."""
        keys = self._domain_keys
        if not host or not keys:
            return False
        if host in keys:
            return True
        dot = host.find(".")
        while dot >= 0:
            if host[dot:] in keys or host[dot + 1 :] in keys:
                return True
            dot = host.find(".", dot + 1)
        return False

    def match(self, *, url: str = "", text: str = "") -> list[KeywordHit]:
        """Hits in list order; per list: text terms, then domains, then URL terms (as found)."""
        any_term = self._any_term
        text_hit = bool(text) and any_term is not None and any_term.search(text) is not None
        host, target = "", None
        if url:
            try:
                parts = urlsplit(url)
                host = (parts.hostname or "").lower()
            except ValueError:
                url = ""
            else:
                target = f"{host}/{unquote(parts.path)}?{unquote(parts.query)}"
                if any_term is None or any_term.search(target) is None:
                    target = None
        domain_hit = self._domain_candidate(host)
        if not text_hit and target is None and not domain_hit:
            return []
        hits: list[KeywordHit] = []
        for word_list in self.lists:
            if text_hit:
                hits += word_list.match_text(text)
            if url:
                hits += word_list._match_parts(host if domain_hit else "", target)
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
