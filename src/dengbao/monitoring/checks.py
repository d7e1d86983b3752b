"""One monitor's check: the main page through the engine, plus extra and crawled pages.

Normal mode fetches as a browser; heightened mode (statutory holidays, dates the user sets) also
fetches as the search-engine spiders (cloaked dark links) and follows same-site links to the
monitor's crawl depth. Extra pages are judged for availability, dark links and sensitive words;
their conditions carry the page in their evidence.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import logging
import sys
import time
from dataclasses import dataclass

from dengbao.core.monitor import page
from dengbao.core.monitor.engine import CheckReport, availability_conditions, run_checks
from dengbao.core.monitor.fetch import BROWSER_UA, client_ssl_context, fetch
from dengbao.core.monitor.results import Condition, Severity
from dengbao.core.monitor.ssrf import Resolver

from .plans import Plan

# httpcore asks sniffio which event loop runs on every request; without sniffio installed that is a
# failed import (a file-system search) each time, about a millisecond per check. Recording the
# absence once makes the import fail fast; httpcore then assumes asyncio, which is what runs here.
try:  # pragma: no cover - depends on the environment
    import sniffio  # noqa: F401
except ImportError:  # pragma: no cover
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

# httpx logs every request at INFO; thousands of checks a minute would flood the log with them.
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_CRAWLED = 20
_EXTRA_KEEP = ("http.reachable", "http.status", "darklinks", "content.", "tamper.phrases", "target.allowed")


# A check that measured availability only, its page's first content analysis still to come.
PENDING = "analysis.pending"


class AnalysisBudget:
    """How many *first* full analyses (a page not yet analysed by this process) may start per second.

    A token bucket: after a start, thousands of pages would otherwise all need their first, CPU-heavy
    analysis within one interval, starving the schedule. Over the budget, a check measures
    availability now and marks the content analysis pending (condition ``analysis.pending``); the
    page is analysed at a later check, so the first analyses spread over the first few intervals.
    Later analyses (the page changed, heightened mode, a new baseline) are never deferred.
    """

    def __init__(self, per_second: float, burst: float | None = None) -> None:
        self.per_second = per_second
        self.burst = burst if burst is not None else per_second
        self._tokens = self.burst
        self._at = time.monotonic()
        self.deferred = 0

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self.deferred += 1
        return False


@dataclass
class Outcome:
    """A finished check, on its way to the database."""

    monitor_id: int
    report: CheckReport
    heightened: bool
    due: float | None = None  # epoch seconds the check was due
    started: float | None = None  # epoch seconds it started

    @property
    def partial(self) -> bool:
        """Availability only (content and TLS not judged this time): content and TLS alert rules skip it."""
        return any(c.name == PENDING for c in self.report.conditions)

    @property
    def lag_ms(self) -> float | None:
        return (
            None if self.due is None or self.started is None else max(0.0, (self.started - self.due) * 1000)
        )


def _same_site_links(report: CheckReport, limit: int) -> list[str]:
    if report.snapshot is None:
        return []
    host = page.host_of(report.final_url)
    return sorted(u for u in report.snapshot.structure.links if not page.is_external(u, host) and host)[
        :limit
    ]


@dataclass
class _Analysed:
    """The last full analysis of a monitor's page, reused while the page's bytes stay the same."""

    config: object
    baseline: object
    lists: object
    body_hash: str
    tls_at: float
    report: CheckReport


_ANALYSED: dict[int, _Analysed] = {}
TLS_RECHECK_SECONDS = 3600.0


def _body_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


async def _full(plan: Plan, config, now: dt.datetime | None) -> CheckReport:
    report = await run_checks(config, policy=plan.policy, baseline=plan.baseline, lists=plan.lists, now=now)
    browser = report.fetches[0] if report.fetches else None
    if not config.spider and browser is not None and browser.ok and report.snapshot is not None:
        _ANALYSED[plan.monitor_id] = _Analysed(
            plan.config,
            plan.baseline,
            plan.lists,
            _body_hash(browser.text),
            time.monotonic(),
            dataclasses.replace(report, fetches=()),
        )
    return report


async def _fetch_browser(plan: Plan):
    config = plan.config
    return await fetch(
        config.url,
        resolver=Resolver(plan.policy),
        user_agent=BROWSER_UA,
        timeout=config.timeout,
        headers=config.headers,
        max_redirects=config.max_redirects,
        ssl_context=client_ssl_context(config.extra_ca_pem, config.verify_tls),
    )


def _availability_report(plan: Plan, result, now: dt.datetime | None, extra=()) -> CheckReport:
    conditions = availability_conditions(result, plan.config) + list(extra)
    available = all(c.ok for c in conditions if c.name in ("target.allowed", "http.reachable", "http.status"))
    return CheckReport(
        url=plan.config.url,
        final_url=result.final_url,
        checked_at=now or dt.datetime.now(dt.UTC),
        available=available,
        status_code=result.status,
        response_ms=result.seconds * 1000 if result.ok else None,
        dns_ms=result.dns_seconds * 1000 if result.error_kind not in ("dns", "refused") else None,
        conditions=tuple(conditions),
        fetches=(result,),
    )


async def _pending(plan: Plan, now: dt.datetime | None) -> CheckReport:
    """Over the first-analysis budget: availability now, the content analysis at a later check."""
    result = await _fetch_browser(plan)
    note = Condition(
        PENDING, True, "首次内容与证书分析排队中（启动后分散进行），本次只检查可用性", Severity.INFO
    )
    return _availability_report(plan, result, now, [note])


async def _quick(plan: Plan, now: dt.datetime | None, budget: AnalysisBudget | None = None) -> CheckReport:
    """Fetch once; when the page is byte-for-byte the one last analysed, reuse that analysis.

    The page analysis (tamper layers, dark links, sensitive words) costs tens of milliseconds of
    CPU on a page with a hundred links, and its verdict depends only on the page, the baseline and
    the lists. So an unchanged page costs one fetch; any change (or a new baseline, new lists, an
    hour since the TLS probe) runs the full engine.
    """
    cached = _ANALYSED.get(plan.monitor_id)
    if cached is None and budget is not None and not budget.take():
        return await _pending(plan, now)
    https = plan.url.startswith("https:")
    if (
        cached is None
        or cached.config != plan.config
        or cached.baseline is not plan.baseline
        or cached.lists is not plan.lists
        or (https and time.monotonic() - cached.tls_at > TLS_RECHECK_SECONDS)
    ):
        return await _full(plan, plan.config, now)
    config = plan.config
    result = await _fetch_browser(plan)
    page_ok = result.ok and result.status is not None and result.status < 400
    if page_ok and _body_hash(result.text) != cached.body_hash:
        return await _full(plan, config, now)
    conditions = availability_conditions(result, config)
    available = all(c.ok for c in conditions if c.name in ("target.allowed", "http.reachable", "http.status"))
    old = cached.report
    own = {c.name for c in conditions}
    if old.tls is not None and result.ok:
        conditions += [c for c in old.conditions if c.name.startswith("tls.")]
    if page_ok:
        conditions += [
            c for c in old.conditions if c.name not in own and not c.name.startswith(("tls.", "http."))
        ]
    return CheckReport(
        url=config.url,
        final_url=result.final_url,
        checked_at=now or dt.datetime.now(dt.UTC),
        available=available,
        status_code=result.status,
        response_ms=result.seconds * 1000 if result.ok else None,
        dns_ms=result.dns_seconds * 1000 if result.error_kind not in ("dns", "refused") else None,
        conditions=tuple(conditions),
        dark_links=old.dark_links if page_ok else (),
        tls=old.tls,
        snapshot=old.snapshot if page_ok else None,
        tamper=old.tamper if page_ok else None,
        fetches=(result,),
    )


async def check(
    plan: Plan, *, heightened: bool, now: dt.datetime | None = None, budget: AnalysisBudget | None = None
) -> CheckReport:
    """One monitor's check; ``budget`` (the scheduler's) may defer a page's first analysis."""
    config = plan.config
    if heightened:
        report = await _full(plan, dataclasses.replace(config, spider=True), now)
    else:
        report = await _quick(plan, now, budget)
    pages = list(plan.extra_pages)
    if heightened and plan.crawl_depth:
        pages += _same_site_links(report, MAX_CRAWLED)
    seen = {plan.url, report.final_url}
    extra: list[Condition] = []
    depth = 0
    while pages and depth < max(plan.crawl_depth, 1):
        batch = [u for u in dict.fromkeys(pages) if u not in seen][: max(0, MAX_CRAWLED + 2 - len(seen))]
        seen.update(batch)
        reports = await asyncio.gather(
            *(
                run_checks(dataclasses.replace(config, url=u), policy=plan.policy, lists=plan.lists)
                for u in batch
            )
        )
        pages = []
        for url, sub in zip(batch, reports, strict=True):
            for c in sub.conditions:
                if c.name.startswith(_EXTRA_KEEP) and (not c.ok or c.name == "http.reachable"):
                    extra.append(
                        Condition(c.name, c.ok, f"{url}：{c.detail}", c.severity, {**c.evidence, "page": url})
                    )
            if heightened and depth + 1 < plan.crawl_depth:
                pages += _same_site_links(sub, MAX_CRAWLED)
        depth += 1
    if extra:
        report = dataclasses.replace(report, conditions=report.conditions + tuple(extra))
    return report


async def check_outcome(
    plan: Plan,
    *,
    due: float | None = None,
    day: dt.date | None = None,
    budget: AnalysisBudget | None = None,
) -> Outcome:
    from .plans import today

    heightened = plan.heightened(day or today())
    started = time.time()
    # checked_at is when the check started, on every path (full, reused or pending analysis)
    now = dt.datetime.fromtimestamp(started, dt.UTC)
    report = await check(plan, heightened=heightened, now=now, budget=budget)
    return Outcome(plan.monitor_id, report, heightened, due, started)
