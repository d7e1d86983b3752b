"""Run every check on one URL once: the function the scheduler, the CLI and the test button call.

A run resolves each name once (the SSRF guard's :class:`Resolver`), fetches the page with a
browser user agent and, concurrently, with the spider user agents and a TLS probe, then judges the
page: availability, TLS, tamper against the approved baseline, dark links and sensitive words. It
never raises for a sick site; everything it found is in the :class:`CheckReport`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import darklinks, page, tls
from .fetch import BROWSER_UA, SPIDER_UAS, FetchResult, client_ssl_context, fetch
from .normalise import NormaliseOptions
from .results import Condition, Severity, worst
from .snapshot import PageSnapshot, take
from .ssrf import ResolutionFailed, Resolver, TargetPolicy, TargetRefused
from .tamper import Baseline, TamperReport, TamperThresholds, compare, phrases_without_baseline
from .urls import BadURL, parse_web_url
from .wordlists import (
    KeywordLists,
    count_words,
    default_defacement_phrases,
    default_lists,
    default_sensitive_words,
)


@dataclass(frozen=True)
class MonitorConfig:
    """One monitor's settings. An empty ``expected_status`` accepts any final status below 400."""

    url: str
    timeout: float = 10.0
    expected_status: tuple[int, ...] = ()
    keywords_present: tuple[str, ...] = ()
    keywords_absent: tuple[str, ...] = ()
    max_response_ms: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    max_redirects: int = 5
    verify_tls: bool = True
    extra_ca_pem: str | None = None
    tls_rules: tls.TLSRules = field(default_factory=tls.TLSRules)
    check_weak_tls: bool = True
    spider: bool = True
    spider_agents: tuple[str, ...] = tuple(SPIDER_UAS)
    normalise: NormaliseOptions = field(default_factory=NormaliseOptions)
    tamper: TamperThresholds = field(default_factory=TamperThresholds)


@dataclass(frozen=True)
class Lists:
    """The editable lists a run matches against (a project's copies, or the shipped defaults)."""

    keywords: KeywordLists
    defacement: tuple[str, ...]
    sensitive: tuple[str, ...]

    @classmethod
    def defaults(cls) -> Lists:
        return cls(default_lists(), default_defacement_phrases(), default_sensitive_words())


@dataclass(frozen=True)
class CheckReport:
    url: str
    final_url: str
    checked_at: dt.datetime
    available: bool
    status_code: int | None
    response_ms: float | None
    dns_ms: float | None
    conditions: tuple[Condition, ...]
    dark_links: tuple[darklinks.DarkLink, ...] = ()
    tls: tls.TLSInfo | None = None
    snapshot: PageSnapshot | None = None
    tamper: TamperReport | None = None
    fetches: tuple[FetchResult, ...] = ()

    @property
    def failed(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if not c.ok)

    @property
    def severity(self) -> Severity:
        return worst(c.severity for c in self.failed)

    def ok_for(self, prefixes: tuple[str, ...]) -> bool:
        """No failed condition whose name starts with one of ``prefixes`` (what one alert rule watches)."""
        return not any(c.name.startswith(prefixes) for c in self.failed)

    def to_dict(self) -> dict[str, Any]:
        browser = self.fetches[0] if self.fetches else None
        return {
            "url": self.url,
            "final_url": self.final_url,
            "checked_at": self.checked_at.isoformat(),
            "available": self.available,
            "status_code": self.status_code,
            "response_ms": None if self.response_ms is None else round(self.response_ms, 1),
            "dns_ms": None if self.dns_ms is None else round(self.dns_ms, 1),
            "redirects": [
                {"url": h.url, "status": h.status, "address": h.address}
                for h in (browser.hops if browser else ())
            ],
            "ok": not self.failed,
            "severity": str(self.severity) if self.failed else None,
            "failed": [c.name for c in self.failed],
            "conditions": [c.to_dict() for c in self.conditions],
            "tls": None if self.tls is None else self.tls.to_dict(),
            "dark_links": [d.to_dict() for d in self.dark_links],
            "tamper": None
            if self.tamper is None
            else {
                "changed": self.tamper.changed,
                "similarity": round(self.tamper.similarity, 4),
                "severity": str(self.tamper.severity),
                "changes": [c.to_dict() for c in self.tamper.changes],
            },
            "dom_hash": self.snapshot.dom_hash if self.snapshot else None,
        }


async def _probe_tls(url: str, resolver: Resolver, config: MonitorConfig) -> tls.TLSInfo | None:
    try:
        parsed = parse_web_url(url)
    except BadURL:
        return None  # the fetch reports the bad URL
    if parsed.scheme != "https":
        return None
    try:
        resolution = await resolver.resolve(parsed.host, parsed.port)
    except (TargetRefused, ResolutionFailed):
        return None
    return await tls.probe(
        parsed.host,
        parsed.port,
        resolution.addresses,
        trust=client_ssl_context(config.extra_ca_pem, True),
        timeout=config.timeout,
        check_weak=config.check_weak_tls,
    )


async def run_checks(
    config: MonitorConfig,
    *,
    policy: TargetPolicy,
    baseline: Baseline | None = None,
    lists: Lists | None = None,
    now: dt.datetime | None = None,
) -> CheckReport:
    """Check ``config.url`` once under ``policy``; compare with ``baseline`` when there is one."""
    checked_at = now or dt.datetime.now(dt.UTC)
    lists = lists or Lists.defaults()
    resolver = Resolver(policy)
    ssl_context = client_ssl_context(config.extra_ca_pem, config.verify_tls)

    def get(agent: str) -> Any:
        return fetch(
            config.url,
            resolver=resolver,
            user_agent=agent,
            timeout=config.timeout,
            headers=config.headers,
            max_redirects=config.max_redirects,
            ssl_context=ssl_context,
        )

    agents = [a for a in config.spider_agents if a in SPIDER_UAS] if config.spider else []
    tls_task = asyncio.ensure_future(_probe_tls(config.url, resolver, config))
    browser, *spiders = await asyncio.gather(get(BROWSER_UA), *(get(SPIDER_UAS[a]) for a in agents))
    tls_info = await tls_task
    if tls_info is None and browser.final_url != config.url:
        tls_info = await _probe_tls(browser.final_url, resolver, config)

    conditions = availability_conditions(browser, config)
    available = all(c.ok for c in conditions if c.name in ("target.allowed", "http.reachable", "http.status"))
    if tls_info is not None:
        rules = config.tls_rules
        if not config.verify_tls:
            rules = tls.TLSRules(rules.expiry_thresholds, False, rules.weak_allowed)
        conditions += tls.conditions(tls_info, rules)

    snapshot = tamper_report = None
    links: list[darklinks.DarkLink] = []
    if browser.ok and browser.status is not None and browser.status < 400:
        # Each fetched page is parsed once; the tree is shared by every check that reads the page.
        trees = {darklinks.BROWSER: page.parse(browser.text)}
        for name, result in zip(agents, spiders, strict=True):
            if result.ok and result.text:
                trees[name] = page.parse(result.text)
        snapshot = take(browser.final_url, browser.text, config.normalise, root=trees[darklinks.BROWSER])
        if baseline is not None:
            tamper_report = compare(baseline, snapshot, phrases=lists.defacement, thresholds=config.tamper)
            conditions += tamper_report.conditions
        else:
            conditions.append(
                Condition("tamper.baseline", True, "尚无已批准的基线，本次快照可批准为基线", Severity.INFO)
            )
            conditions.append(phrases_without_baseline(snapshot, lists.defacement))
        views = {
            darklinks.BROWSER: darklinks.extract_links(
                browser.text, browser.final_url, root=trees[darklinks.BROWSER]
            )
        }
        for name, result in zip(agents, spiders, strict=True):
            if name in trees:
                views[name] = darklinks.extract_links(result.text, result.final_url, root=trees[name])
        links = darklinks.find_dark_links(views, browser.final_url, lists.keywords)
        conditions += dark_link_conditions(links, spider_fetches=dict(zip(agents, spiders, strict=True)))
        conditions.append(sensitive_condition(browser, spiders, agents, lists.sensitive, trees=trees))

    return CheckReport(
        url=config.url,
        final_url=browser.final_url,
        checked_at=checked_at,
        available=available,
        status_code=browser.status,
        response_ms=browser.seconds * 1000 if browser.ok else None,
        dns_ms=browser.dns_seconds * 1000 if browser.error_kind not in ("dns", "refused") else None,
        conditions=tuple(conditions),
        dark_links=tuple(links),
        tls=tls_info,
        snapshot=snapshot,
        tamper=tamper_report,
        fetches=(browser, *spiders),
    )


_ERROR_WORDS = {
    "dns": "域名解析失败",
    "timeout": "响应超时",
    "tls": "TLS 连接失败",
    "connect": "无法连接",
    "redirects": "重定向过多",
}


def availability_conditions(result: FetchResult, config: MonitorConfig) -> list[Condition]:
    """target.allowed, http.reachable, http.status, http.response_time, http.keywords."""
    hops = [{"url": h.url, "status": h.status, "address": h.address} for h in result.hops]
    if result.error_kind == "invalid_url":
        return [
            Condition(
                "target.allowed",
                False,
                f"监测网址无效：{result.error}",
                Severity.HIGH,
                {
                    "error": result.error,
                    "error_kind": "invalid_url",
                    "url": result.final_url,
                    "redirects": hops,
                },
            )
        ]
    if result.error_kind == "refused":
        return [
            Condition(
                "target.allowed",
                False,
                f"监测目标不允许访问：{result.error}",
                Severity.HIGH,
                {"error": result.error, "url": result.final_url, "redirects": hops},
            )
        ]
    out = [Condition("target.allowed", True, "目标在允许范围内", Severity.HIGH, {"redirects": hops})]
    if not result.ok:
        word = _ERROR_WORDS.get(result.error_kind or "", "请求失败")
        out.append(
            Condition(
                "http.reachable",
                False,
                f"{word}：{result.error}",
                Severity.CRITICAL,
                {"error": result.error, "error_kind": result.error_kind, "redirects": hops},
            )
        )
        return out
    out.append(
        Condition(
            "http.reachable",
            True,
            f"响应 {result.seconds * 1000:.0f} ms（DNS {result.dns_seconds * 1000:.0f} ms）",
            Severity.CRITICAL,
            {
                "response_ms": round(result.seconds * 1000, 1),
                "dns_ms": round(result.dns_seconds * 1000, 1),
                "address": result.address,
                "redirects": hops,
            },
        )
    )
    status = result.status or 0
    status_ok = status in config.expected_status if config.expected_status else status < 400
    expected = "、".join(map(str, config.expected_status)) or "< 400"
    out.append(
        Condition(
            "http.status",
            status_ok,
            f"HTTP 状态码 {status}（期望 {expected}）",
            Severity.CRITICAL,
            {"status": status, "expected": list(config.expected_status)},
        )
    )
    if config.max_response_ms is not None:
        ms = result.seconds * 1000
        out.append(
            Condition(
                "http.response_time",
                ms <= config.max_response_ms,
                f"响应时间 {ms:.0f} ms（上限 {config.max_response_ms:g} ms）",
                Severity.MEDIUM,
                {"response_ms": round(ms, 1), "limit_ms": config.max_response_ms},
            )
        )
    if config.keywords_present or config.keywords_absent:
        missing = [k for k in config.keywords_present if k not in result.text]
        unwanted = [k for k in config.keywords_absent if k in result.text]
        problems = []
        if missing:
            problems.append(f"缺少：{'、'.join(missing)}")
        if unwanted:
            problems.append(f"出现：{'、'.join(unwanted)}")
        detail = "；".join(problems) or "关键字检查通过"
        out.append(
            Condition(
                "http.keywords",
                not missing and not unwanted,
                detail,
                Severity.HIGH,
                {"missing": missing, "unwanted": unwanted},
            )
        )
    return out


def dark_link_conditions(
    links: list[darklinks.DarkLink], *, spider_fetches: Mapping[str, FetchResult]
) -> list[Condition]:
    """darklinks (any suspicious link of medium or worse) and darklinks.cloaking (served to spiders only)."""
    serious = [d for d in links if d.severity.rank >= Severity.MEDIUM.rank]
    cloaked = [d for d in serious if d.spider_only]
    out = [
        Condition(
            "darklinks",
            not serious,
            f"发现 {len(serious)} 个可疑链接（暗链）" if serious else "未发现暗链",
            worst((d.severity for d in serious), Severity.HIGH),
            {"links": [d.to_dict() for d in serious[:50]], "low": len(links) - len(serious)},
        )
    ]
    if spider_fetches:
        fetched = {name: r.status if r.ok else r.error for name, r in spider_fetches.items()}
        out.append(
            Condition(
                "darklinks.cloaking",
                not cloaked,
                f"{len(cloaked)} 个可疑链接只对搜索引擎爬虫显示" if cloaked else "爬虫与浏览器看到的链接一致",
                Severity.HIGH,
                {"links": [d.url for d in cloaked], "spider_fetches": fetched},
            )
        )
    return out


def sensitive_condition(
    browser: FetchResult,
    spiders: list[FetchResult],
    agents: list[str],
    words: tuple[str, ...],
    *,
    trees: Mapping[str, Any] | None = None,
) -> Condition:
    """content.sensitive_words over every fetch; ``trees`` are the pages already parsed, by agent name."""
    found: dict[str, dict[str, int]] = {}
    for name, result in ((darklinks.BROWSER, browser), *zip(agents, spiders, strict=True)):
        if result.ok and result.text:
            root = trees.get(name) if trees else None
            if root is None:
                root = page.parse(result.text)
            counts = count_words(f"{page.title(root)} {page.visible_text(root)}", words)
            if counts:
                found[name] = counts
    words_found = sorted({w for counts in found.values() for w in counts})
    return Condition(
        "content.sensitive_words",
        not found,
        f"页面出现敏感词：{'、'.join(words_found)}" if found else "未发现敏感词",
        Severity.MEDIUM,
        {"found": found},
    )
