"""The authorisation check: every kind of refusal, with the reason in Chinese, and what passes."""

from __future__ import annotations

import datetime as dt

import pytest

from dengbao.core.scanner import Period, Scope, Technique, TimeWindow, check, expand, resolve_sync
from dengbao.core.scanner.windows import BEIJING

MONDAY_23H = dt.datetime(2026, 3, 2, 23, 0, tzinfo=BEIJING)  # 2026-03-02 is a Monday
MONDAY_NOON = MONDAY_23H.replace(hour=12)


def scope(**kwargs) -> Scope:
    base = dict(
        cidrs=["10.1.0.0/16", "192.0.2.10"],
        hosts=["his.example.cn"],
        urls=["https://portal.example.cn/app/"],
        exclude=["10.1.9.9"],
        ports="1-1024,3306,8080",
        techniques=["discovery", "vuln_scan"],
        valid_from=dt.datetime(2026, 1, 1, tzinfo=BEIJING),
        valid_until=dt.datetime(2026, 12, 31, tzinfo=BEIJING),
    )
    base.update(kwargs)
    return Scope.build(**base)


def codes(refusals) -> list[str]:
    return [r.code for r in refusals]


def test_inside_scope_passes():
    refusals = check(
        scope(),
        targets=["10.1.2.3", "10.1.3.0/24", "192.0.2.10"],
        ports=[22, 80, 3306],
        technique="discovery",
        at=MONDAY_NOON,
    )
    assert refusals == []


def test_target_outside_is_refused_and_named():
    refusals = check(
        scope(), targets=["10.1.2.3", "10.2.0.1"], ports=[22], technique="discovery", at=MONDAY_NOON
    )
    assert codes(refusals) == ["target"]
    assert refusals[0].target == "10.2.0.1"
    assert "10.2.0.1 不在授权范围内" in refusals[0].reason


def test_network_partly_outside_is_refused():
    half = scope(cidrs=["10.5.0.0/25"])
    refusals = check(
        half, targets=["10.5.0.0/25", "10.5.0.0/24"], ports=[22], technique="discovery", at=MONDAY_NOON
    )
    assert codes(refusals) == ["target"]
    assert "不完全在授权范围内" in refusals[0].reason and refusals[0].target == "10.5.0.0/24"


def test_network_covered_by_two_authorised_halves_passes():
    halves = scope(cidrs=["10.5.0.0/25", "10.5.0.128/25", "10.5.1.0/24"])
    for target in ("10.5.0.0/24", "10.5.0.0/23", "10.5.0.128/26"):
        assert check(halves, targets=[target], ports=[22], technique="discovery", at=MONDAY_NOON) == [], (
            target
        )


def test_excluded_address_is_refused_alone_or_inside_a_network():
    for target in ("10.1.9.9", "10.1.9.0/24"):
        refusals = check(scope(), targets=[target], ports=[22], technique="discovery", at=MONDAY_NOON)
        assert codes(refusals) == ["excluded"], target
        assert "10.1.9.9" in refusals[0].reason


def test_port_outside_is_refused_with_the_ranges():
    refusals = check(
        scope(),
        targets=["10.1.2.3"],
        ports=[22, 3306, 3389, 5000, 5001, 5002],
        technique="discovery",
        at=MONDAY_NOON,
    )
    assert codes(refusals) == ["port"]
    assert refusals[0].port == "3389,5000-5002"
    assert "1-1024,3306,8080" in refusals[0].reason


def test_technique_not_allowed():
    refusals = check(scope(), targets=["10.1.2.3"], ports=[80], technique="pentest", at=MONDAY_NOON)
    assert codes(refusals) == ["technique"]
    assert "渗透测试" in refusals[0].reason and "资产发现与端口探测、漏洞扫描" in refusals[0].reason
    both = check(
        scope(), targets=["10.1.2.3"], ports=[80], technique=["discovery", "web_scan"], at=MONDAY_NOON
    )
    assert [r.technique for r in both] == [Technique.WEB_SCAN.value]


def test_outside_weekday_time_window_across_midnight():
    nights = scope(windows=[TimeWindow.of(range(5), "22:00", "06:00")])
    allowed = [MONDAY_23H, MONDAY_23H + dt.timedelta(hours=6, minutes=59)]  # Mon 23:00, Tue 05:59
    refused = [
        MONDAY_NOON,
        MONDAY_23H + dt.timedelta(hours=7),
        MONDAY_23H + dt.timedelta(days=5),
    ]  # Sat 23:00
    for at in allowed:
        assert check(nights, targets=["10.1.2.3"], ports=[80], technique="discovery", at=at) == [], at
    for at in refused:
        refusals = check(nights, targets=["10.1.2.3"], ports=[80], technique="discovery", at=at)
        assert codes(refusals) == ["time"], at
        assert "周一、周二、周三、周四、周五 22:00–（次日）06:00" in refusals[0].reason


def test_window_is_judged_in_beijing_time_whatever_the_callers_zone():
    nights = scope(windows=[TimeWindow.of(range(5), "22:00", "06:00")])
    utc_15h = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 23:00 in Beijing
    assert check(nights, targets=["10.1.2.3"], ports=[80], technique="discovery", at=utc_15h) == []


def test_explicit_period():
    week = Period(dt.datetime(2026, 6, 1, 9, tzinfo=BEIJING), dt.datetime(2026, 6, 5, 18, tzinfo=BEIJING))
    s = scope(periods=[week])
    inside = dt.datetime(2026, 6, 3, 10, tzinfo=BEIJING)
    assert check(s, targets=["10.1.2.3"], ports=[80], technique="discovery", at=inside) == []
    refusals = check(s, targets=["10.1.2.3"], ports=[80], technique="discovery", at=MONDAY_NOON)
    assert codes(refusals) == ["time"] and "2026-06-01 09:00–2026-06-05 18:00" in refusals[0].reason


def test_expired_not_yet_valid_and_revoked():
    after = dt.datetime(2027, 1, 5, tzinfo=BEIJING)
    expired = check(scope(), targets=["10.1.2.3"], ports=[80], technique="discovery", at=after)
    assert codes(expired) == ["expired"] and "2026-12-31 00:00 到期" in expired[0].reason
    before = dt.datetime(2025, 12, 1, tzinfo=BEIJING)
    assert codes(check(scope(), targets=["10.1.2.3"], ports=[80], technique="discovery", at=before)) == [
        "not_yet_valid"
    ]
    revoked = check(
        scope(revoked=True), targets=["10.1.2.3"], ports=[80], technique="discovery", at=MONDAY_NOON
    )
    assert codes(revoked) == ["revoked"] and "撤销" in revoked[0].reason


def test_every_reason_is_listed_not_just_the_first():
    refusals = check(scope(), targets=["10.9.9.9"], ports=[5000], technique="pentest", at=MONDAY_NOON)
    assert sorted(codes(refusals)) == ["port", "target", "technique"]


def test_listed_hostname_resolving_outside_scope_is_refused():
    # localhost is listed, so it is resolved through the real system resolver (/etc/hosts):
    # 127.0.0.1, outside the authorised networks
    listed = scope(hosts=["localhost"])
    refusals = check(listed, targets=["localhost"], ports=[80], technique="discovery", at=MONDAY_NOON)
    assert refusals and set(codes(refusals)) == {"target"}
    assert "localhost" in refusals[0].reason and "127.0.0.1" in " ".join(r.reason for r in refusals)


def test_listed_hostname_with_one_internal_answer_is_refused_whole():
    # A name the letter lists, answering one public and one internal address (a rebinding attack)
    table = {"his.example.cn": ["58.20.1.7", "127.0.0.1"]}
    targets = resolve_sync(["his.example.cn"], lookup=table.__getitem__)
    refusals = check(scope(), targets=targets, ports=[443], technique="discovery", at=MONDAY_NOON)
    assert codes(refusals) == ["target"]
    assert "DNS 重绑定" in refusals[0].reason and "127.0.0.1" in refusals[0].reason


def test_listed_name_with_public_answers_passes_and_expands_to_exactly_those():
    table = {"portal.example.cn": ["58.20.1.7", "58.20.1.8"]}
    targets = resolve_sync(["https://portal.example.cn/app/login"], lookup=table.__getitem__)
    assert (
        check(scope(ports="443"), targets=targets, ports=[443], technique="discovery", at=MONDAY_NOON) == []
    )
    assert expand(targets) == ("58.20.1.7", "58.20.1.8")


def test_unlisted_name_is_refused_unresolved_even_inside_authorised_networks():
    # Names are matched against the letter before any DNS query: an unlisted name is not looked up,
    # even when it would resolve inside the authorised networks (write its address instead).
    asked: list[str] = []
    table = {"db.internal": ["10.1.4.4"]}

    def lookup(name: str) -> list[str]:
        asked.append(name)
        return table[name]

    refusals = check(scope(), targets=["db.internal"], ports=[3306], technique="discovery", at=MONDAY_NOON,
                     lookup=lookup)  # fmt: skip
    assert codes(refusals) == ["target"] and "未列入授权书" in refusals[0].reason
    assert asked == []
    pre_resolved = resolve_sync(["db.internal"], lookup=table.__getitem__)  # resolved by someone else
    again = check(scope(), targets=pre_resolved, ports=[3306], technique="discovery", at=MONDAY_NOON)
    assert codes(again) == ["target"] and "未列入授权书" in again[0].reason


def test_unresolvable_name_is_refused():
    def nxdomain(name: str) -> list[str]:
        raise OSError("Name or service not known")

    targets = resolve_sync(["nowhere.example.cn"], lookup=nxdomain)
    listed = scope(hosts=["nowhere.example.cn"])
    refusals = check(listed, targets=targets, ports=[80], technique="discovery", at=MONDAY_NOON)
    assert codes(refusals) == ["unresolved"] and "无法解析" in refusals[0].reason


def test_huge_network_is_refused_with_the_count():
    wide = scope(cidrs=["10.0.0.0/8"])
    refusals = check(wide, targets=["10.2.0.0/15"], ports=[80], technique="discovery", at=MONDAY_NOON)
    assert codes(refusals) == ["too_large"]
    assert "131070 个地址" in refusals[0].reason and "65536" in refusals[0].reason
    assert check(wide, targets=["10.7.0.0/16"], ports=[80], technique="discovery", at=MONDAY_NOON) == []


def test_naive_time_is_rejected():
    with pytest.raises(ValueError, match="时区"):
        check(scope(), targets=["10.1.2.3"], ports=[80], technique="discovery", at=dt.datetime(2026, 3, 2))


def test_permitted_until_follows_the_window_and_the_expiry():
    nights = scope(windows=[TimeWindow.of(range(7), "22:00", "06:00")])
    assert nights.permitted_until(MONDAY_23H) == MONDAY_23H.replace(hour=6) + dt.timedelta(days=1)
    every_day = scope(windows=[TimeWindow.of(range(7), "00:00", "24:00")])
    end = every_day.permitted_until(MONDAY_NOON)
    assert end is not None and end <= every_day.valid_until
    assert scope().permitted_until(MONDAY_NOON) == scope().valid_until


def test_refusal_to_dict_is_json_ready():
    refusal = check(scope(), targets=["10.9.9.9"], ports=[22], technique="discovery", at=MONDAY_NOON)[0]
    data = refusal.to_dict()
    assert data["code"] == "target" and data["target"] == "10.9.9.9" and isinstance(data["reason"], str)
