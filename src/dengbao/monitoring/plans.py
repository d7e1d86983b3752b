"""From database rows to what the check engine takes: config, SSRF policy, lists, baseline.

A :class:`Plan` is a monitor's settings frozen for the scheduler, so thousands of checks a minute
run without touching the database; the scheduler refreshes plans every few seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dengbao.core.monitor.engine import Lists, MonitorConfig
from dengbao.core.monitor.normalise import NormaliseOptions
from dengbao.core.monitor.ssrf import TargetPolicy
from dengbao.core.monitor.tamper import Baseline as CoreBaseline
from dengbao.core.monitor.wordlists import (
    CATEGORIES,
    KeywordLists,
    data_text,
    default_defacement_phrases,
    default_sensitive_words,
    parse_list,
    parse_words,
)

from . import zones
from .models import AllowedHost, Baseline, Monitor, PrivateHost, WordList


@dataclass(frozen=True)
class Plan:
    monitor_id: int
    project_id: int
    name: str
    url: str
    zone: str
    interval: float
    heightened_interval: float
    heightened_on_holidays: bool
    heightened_dates: frozenset[dt.date]
    extra_pages: tuple[str, ...]
    crawl_depth: int
    config: MonitorConfig
    policy: TargetPolicy
    lists: Lists
    baseline: CoreBaseline | None

    def heightened(self, day: dt.date) -> bool:
        return day in self.heightened_dates or (self.heightened_on_holidays and is_statutory_holiday(day))

    def interval_on(self, day: dt.date) -> float:
        return min(self.interval, self.heightened_interval) if self.heightened(day) else self.interval


@functools.lru_cache(maxsize=800)
def is_statutory_holiday(day: dt.date) -> bool:
    """A day of a statutory holiday (春节, 国庆 ...) on the official calendar; weekends are not."""
    import chinese_calendar

    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package does not know yet
        return False
    return bool(holiday and name)


def today() -> dt.date:
    return timezone.localdate()


def policy_for(hosts: Iterable[str], zone_key: str, private_hosts: Iterable[str] = ()) -> TargetPolicy:
    """The SSRF policy of a project's monitors in one zone.

    ``hosts``: the manager's allowed hosts (public addresses only); ``private_hosts``: those the
    security administrator approved for this project and zone (they may resolve to private
    addresses, if the zone reaches them). ``DENGBAO_OUTBOUND_ALLOW_ADDRESSES`` is the only way to
    loopback, link-local, unspecified and metadata addresses.
    """
    zone = zones.zone(zone_key)
    approved = list(private_hosts) if zone.reaches_private else []
    return TargetPolicy.build(
        hosts=[*hosts, *approved],
        allow_private=zone.allow_private,
        private_networks=zone.networks,
        private_hosts=approved,
        networks=zones.outbound_allowance(),
    )


def private_hosts_by(project_ids: Iterable[int]) -> dict[tuple[int, str], list[str]]:
    """{(project id, zone): [approved host, ...]}."""
    out: dict[tuple[int, str], list[str]] = defaultdict(list)
    for project_id, zone, host in PrivateHost.objects.filter(project_id__in=list(project_ids)).values_list(
        "project_id", "zone", "host"
    ):
        out[(project_id, zone)].append(host)
    return out


@functools.lru_cache(maxsize=8)
def _ca_pem(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None


def extra_ca_pem() -> str | None:
    """CA certificates (PEM) trusted besides the system's, for sites under an internal or self-signed
    CA: ``settings.DENGBAO_MONITOR_CA_FILE`` (a path; unset: the system's CAs only)."""
    path = getattr(settings, "DENGBAO_MONITOR_CA_FILE", None)
    return _ca_pem(str(path)) if path else None


def config_for(monitor: Monitor, *, url: str | None = None) -> MonitorConfig:
    return MonitorConfig(
        url=url or monitor.url,
        extra_ca_pem=extra_ca_pem(),
        timeout=float(monitor.timeout_seconds),
        expected_status=tuple(int(s) for s in monitor.expected_status or ()),
        keywords_present=tuple(monitor.keywords_present or ()),
        keywords_absent=tuple(monitor.keywords_absent or ()),
        max_response_ms=float(monitor.max_response_ms) if monitor.max_response_ms else None,
        headers=dict(monitor.headers or {}),
        spider=False,  # turned on in heightened mode (runner)
        normalise=NormaliseOptions(ignore_selectors=tuple(monitor.ignore_selectors or ())),
    )


def lists_for(edited: dict[str, str]) -> Lists:
    """An organisation's lists: its edited copies where it has them, the shipped defaults otherwise."""
    keyword_lists = tuple(
        parse_list(edited[c] if c in edited else data_text(f"{c}.txt"), category=c) for c in CATEGORIES
    )
    defacement = parse_words(edited["defacement"]) if "defacement" in edited else default_defacement_phrases()
    sensitive = parse_words(edited["sensitive"]) if "sensitive" in edited else default_sensitive_words()
    return Lists(KeywordLists(keyword_lists), defacement, sensitive)


_DEFAULT_LISTS: Lists | None = None


def _lists_by_organisation(org_ids: set[int]) -> dict[int, Lists]:
    global _DEFAULT_LISTS
    edited: dict[int, dict[str, str]] = defaultdict(dict)
    for org_id, kind, text in WordList.objects.filter(organisation_id__in=org_ids).values_list(
        "organisation_id", "kind", "text"
    ):
        edited[org_id][kind] = text
    if _DEFAULT_LISTS is None:
        _DEFAULT_LISTS = Lists.defaults()
    return {
        org: _lists_version(tuple(sorted(edited[org].items()))) if edited.get(org) else _DEFAULT_LISTS
        for org in org_ids
    }


@functools.lru_cache(maxsize=256)
def _lists_version(edited: tuple[tuple[str, str], ...]) -> Lists:
    """One :class:`Lists` object per version of an organisation's edited lists, kept across plan
    refreshes: its matchers are compiled once, and the scheduler's reuse of an unchanged page's
    analysis (which requires the very same lists object) keeps working between edits."""
    return lists_for(dict(edited))


def latest_baselines(monitor_ids: Iterable[int] | None = None, *, after_pk: int = 0) -> dict[int, tuple]:
    """{monitor_id: (baseline pk, core Baseline)} of the newest version (only those newer than after_pk)."""
    rows = Baseline.objects.filter(pk__gt=after_pk)
    if monitor_ids is not None:
        rows = rows.filter(monitor_id__in=list(monitor_ids))
    out: dict[int, tuple] = {}
    for pk, monitor_id, _version, snapshot in rows.order_by("monitor_id", "version").values_list(
        "pk", "monitor_id", "version", "snapshot"
    ):
        out[monitor_id] = (pk, CoreBaseline.from_dict(snapshot))
    return out


def build_plans(monitors: Iterable[Monitor], *, baselines: dict[int, tuple] | None = None) -> dict[int, Plan]:
    """Plans for ``monitors`` (with ``project`` loaded); baselines looked up when not given."""
    monitors = list(monitors)
    project_ids = {m.project_id for m in monitors}
    hosts: dict[int, list[str]] = defaultdict(list)
    for project_id, host in AllowedHost.objects.filter(project_id__in=project_ids).values_list(
        "project_id", "host"
    ):
        hosts[project_id].append(host)
    private = private_hosts_by(project_ids)
    lists = _lists_by_organisation({m.project.provider_id for m in monitors})
    if baselines is None:
        baselines = latest_baselines(m.pk for m in monitors)
    policies: dict[tuple[int, str], TargetPolicy] = {}  # one per (project, zone), shared by its monitors
    plans = {}
    for m in monitors:
        policy = policies.get((m.project_id, m.zone))
        if policy is None:
            policy = policies[(m.project_id, m.zone)] = policy_for(
                hosts[m.project_id], m.zone, private.get((m.project_id, m.zone), ())
            )
        plans[m.pk] = Plan(
            monitor_id=m.pk,
            project_id=m.project_id,
            name=m.name,
            url=m.url,
            zone=m.zone,
            interval=float(max(m.interval_seconds, 10)),
            heightened_interval=float(max(m.heightened_interval_seconds, 10)),
            heightened_on_holidays=m.heightened_on_holidays,
            heightened_dates=frozenset(m.heightened_dates_set()),
            extra_pages=tuple(m.extra_pages or ()),
            crawl_depth=min(int(m.crawl_depth or 0), 2),
            config=config_for(m),
            policy=policy,
            lists=lists[m.project.provider_id],
            baseline=baselines[m.pk][1] if m.pk in baselines else None,
        )
    return plans
