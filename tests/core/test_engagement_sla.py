"""SLA clocks of emergency tickets: 7×24, paused while waiting on the client, breaches found."""

import datetime as dt

from dengbao.core.engagement import sla
from dengbao.core.engagement.sla import EventKind as K

T0 = dt.datetime(2020, 1, 25, 2, 0, tzinfo=dt.UTC)  # a night in the Spring Festival: the clock runs 7×24


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def ev(kind: K, minutes: int) -> sla.Event:
    return sla.Event(kind, at(minutes))


P1 = sla.DEFAULT_TARGETS[sla.Priority.P1]


def test_contract_defaults():
    assert P1 == sla.Target(response_minutes=60, on_site_minutes=120)
    assert all(t.response_minutes == 60 for t in sla.DEFAULT_TARGETS.values())


def test_met_ticket_with_a_pause():
    events = [ev(K.OPENED, 0), ev(K.ACKNOWLEDGED, 40), ev(K.WAITING_CLIENT, 50), ev(K.RESUMED, 170),
              ev(K.ON_SITE, 200), ev(K.RESOLVED, 300)]  # fmt: skip
    response, on_site = sla.clocks(events, P1, now=at(1000))
    assert response.state == sla.State.MET and response.elapsed == dt.timedelta(minutes=40)
    # 200 minutes on the wall clock, 120 of them waiting on the client: 80 count
    assert on_site.state == sla.State.MET and on_site.elapsed == dt.timedelta(minutes=80)
    assert on_site.remaining == dt.timedelta(minutes=40) and on_site.stopped_at == at(200)


def test_breached_ticket_and_when_it_breached():
    events = [ev(K.OPENED, 0), ev(K.WAITING_CLIENT, 30), ev(K.RESUMED, 45), ev(K.ACKNOWLEDGED, 95),
              ev(K.ON_SITE, 230)]  # fmt: skip
    response, on_site = sla.clocks(events, P1, now=at(1000))
    assert response.state == sla.State.BREACHED
    assert response.elapsed == dt.timedelta(minutes=80)
    assert response.breached_at == at(75)  # 30 minutes, a 15-minute pause, then 30 more
    assert on_site.state == sla.State.BREACHED and on_site.breached_at == at(135)


def test_open_ticket_counts_down_pauses_and_warns():
    events = [ev(K.OPENED, 0)]
    running = sla.clock(events, target=K.ACKNOWLEDGED, limit_minutes=60, now=at(20))
    assert running.state == sla.State.RUNNING and running.remaining == dt.timedelta(minutes=40)
    warning = sla.clock(events, target=K.ACKNOWLEDGED, limit_minutes=60, now=at(50))
    assert warning.state == sla.State.WARNING
    paused_events = [*events, ev(K.WAITING_CLIENT, 50)]
    paused = sla.clock(paused_events, target=K.ACKNOWLEDGED, limit_minutes=60, now=at(500))
    assert paused.state == sla.State.PAUSED and paused.elapsed == dt.timedelta(minutes=50)
    late = sla.clock(events, target=K.ACKNOWLEDGED, limit_minutes=60, now=at(61))
    assert late.state == sla.State.BREACHED and late.remaining == dt.timedelta(minutes=-1)


def test_no_visit_needed_when_resolved_remotely():
    events = [ev(K.OPENED, 0), ev(K.ACKNOWLEDGED, 10), ev(K.RESOLVED, 90)]
    on_site = sla.clock(events, target=K.ON_SITE, limit_minutes=120, now=at(1000))
    assert on_site.state == sla.State.NOT_NEEDED and on_site.elapsed == dt.timedelta(minutes=90)
    # the order the events are stored in does not matter
    assert sla.clocks(list(reversed(events)), sla.DEFAULT_TARGETS[sla.Priority.P3], now=at(5))[0].state == (
        sla.State.MET
    )
