"""Demo monitors for the hospital's portal and internet hospital (no network calls while loading).

The hosts are fictional (``.example``); the monitors are disabled so ``make run`` does not try to
reach them, and the status wall shows a recent history written here as if they had been checked.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

DEMO_SITES = (
    ("门户网站首页", "https://www.jcsdyyy.example/", "www.jcsdyyy.example"),
    ("互联网医院", "https://ih.jcsdyyy.example/", "ih.jcsdyyy.example"),
)


def load(project, report) -> None:
    from dengbao.core.monitor.engine import CheckReport
    from dengbao.core.monitor.results import Condition, Severity

    from . import services, store
    from .checks import Outcome
    from .models import AllowedHost, Monitor

    if Monitor.objects.filter(project=project).exists():
        return
    for _name, _url, host in DEMO_SITES:
        AllowedHost.objects.get_or_create(project=project, host=host, defaults={"note": "演示数据"})
    now = timezone.now().replace(second=0, microsecond=0)
    for index, (name, url, _host) in enumerate(DEMO_SITES):
        monitor = services.monitor_create(
            actor=None,
            project=project,
            data={
                "name": name,
                "url": url,
                "zone": "public",
                "keywords_present": "江城市第一医院",
                "enabled": False,
            },
        )
        outcomes = []
        for minutes in range(60, 0, -5):
            down = index == 1 and minutes in (35, 30)
            conditions = (
                Condition("target.allowed", True, "目标在允许范围内", Severity.HIGH),
                Condition("http.reachable", not down, "响应超时" if down else "响应正常", Severity.CRITICAL),
            )
            checked = CheckReport(
                url=url,
                final_url=url,
                checked_at=now - dt.timedelta(minutes=minutes),
                available=not down,
                status_code=None if down else 200,
                response_ms=None if down else 120.0 + 7 * (minutes % 4) + 40 * index,
                dns_ms=None if down else 3.0,
                conditions=conditions,
            )
            outcomes.append(Outcome(monitor.pk, checked, False))
        store.record_outcomes(outcomes)
    report.created.append(f"monitors {len(DEMO_SITES)} (disabled)")
