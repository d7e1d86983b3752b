"""Defacement and tamper detection against an approved baseline, on a live local site."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json

from dengbao.core.monitor.engine import MonitorConfig, run_checks
from dengbao.core.monitor.normalise import NormaliseOptions
from dengbao.core.monitor.ssrf import TargetPolicy
from dengbao.core.monitor.tamper import Baseline, text_similarity

from .servers import LOOPBACK, Reply

LOCAL = TargetPolicy.build(networks=LOOPBACK)  # loopback is opened only by an explicit list
_count = itertools.count(1)

HOME = """<html><head><title>某市第一人民医院</title>
<meta name="csrf-token" content="{token}">
<link rel="stylesheet" href="/static/site.css?v={stamp}">
<script nonce="{nonce}">window.serverTime = "{when}";</script>
<script src="/static/app.js?_={stamp}"></script>
</head><body>
<h1>某市第一人民医院</h1>
<p>医院始建于1952年，是一所集医疗、教学、科研、预防、保健为一体的三级甲等综合医院。</p>
<p>门诊时间：周一至周日 8:00-17:30。急诊二十四小时开放。</p>
<ul class="news">{news}</ul>
<form method="post" action="/search"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">
<input name="q"></form>
<div class="ad">{ad}</div>
<p class="footer">更新时间：{when}</p>
</body></html>"""


def render(
    news: str = "<li><a href='/news/1'>我院开展义诊活动</a></li>", extra: str = "", ad: str = ""
) -> str:
    n = next(_count)
    page = HOME.format(
        token=f"tok{n:04d}Zx9Kq2Lm7Np3Rs8Tv1Wy6",
        nonce=f"{n:08x}deadbeefcafef00d",
        stamp=1700000000 + n,
        when=f"2026-11-{n % 28 + 1:02d} 10:{n % 60:02d}:00",
        news=news,
        ad=ad or "广告位招租",
    )
    return page.replace("</body>", extra + "</body>")


def _reply(body: str) -> Reply:
    return Reply(body=body)


def check(url: str, baseline=None, **kwargs):
    kwargs.setdefault("spider", False)
    return asyncio.run(run_checks(MonitorConfig(url=url, **kwargs), policy=LOCAL, baseline=baseline))


def by_name(report):
    return {c.name: c for c in report.conditions}


def approve(report, previous=None, who="信息科 张工"):
    return Baseline.approve(report.snapshot, approved_by=who, previous=previous)


def test_nonces_tokens_timestamps_and_cache_busters_do_not_count_as_change(site):
    site.page("/", lambda _r: _reply(render()))
    first = check(site.url("/"))
    baseline = approve(first)
    second = check(site.url("/"), baseline=baseline)
    assert first.snapshot.dom_hash == second.snapshot.dom_hash
    assert all(c.ok for c in second.conditions if c.name.startswith("tamper."))
    assert second.tamper is not None and second.tamper.changed is False


def test_ignore_selectors_drop_a_rotating_block(site):
    ads = iter(["<b>春季体检</b>", "<i>秋季体检套餐</i>"])
    site.page("/", lambda _r: _reply(render(ad=next(ads))))
    options = NormaliseOptions(ignore_selectors=(".ad",))
    first = check(site.url("/"), normalise=options)
    second = check(site.url("/"), baseline=approve(first), normalise=options)
    assert second.tamper.changed is False
    ads = iter(["<b>夏季义诊</b>", "<i>冬季义诊</i>"])
    unfiltered = check(site.url("/"))
    assert check(site.url("/"), baseline=approve(unfiltered)).tamper.changed is True


def test_defaced_page_with_injected_external_script_is_high_severity(site):
    pages = {"now": render()}
    site.page("/", lambda _r: _reply(pages["now"]))
    baseline = approve(check(site.url("/")))
    pages["now"] = (
        "<html><head><title>Hacked by Sh3ll Crew</title>"
        "<script src='https://cdn.evil-cdn.example/miner.js'></script></head>"
        "<body><h1>Hacked by Sh3ll Crew</h1><p>你的网站已被黑，安全形同虚设</p></body></html>"
    )
    report = check(site.url("/"), baseline=baseline)
    tamper = by_name(report)
    assert not tamper["tamper.hash"].ok
    structure = tamper["tamper.structure"]
    assert not structure.ok and structure.severity == "high"
    added = {
        (c["kind"], c["item"])
        for c in structure.evidence["changes"]
        if c["added"] and c["severity"] == "high"
    }
    assert ("scripts", "https://cdn.evil-cdn.example/miner.js") in added
    assert ("domains", "cdn.evil-cdn.example") in added
    text = tamper["tamper.text"]
    assert not text.ok and text.severity == "high" and text.evidence["similarity"] < 0.2
    phrases = tamper["tamper.phrases"]
    assert not phrases.ok and set(phrases.evidence["phrases"]) >= {"hacked by", "被黑"}
    assert report.tamper.severity == "high"


def test_injected_iframe_keeps_text_similar_but_is_still_high(site):
    pages = {"now": render()}
    site.page("/", lambda _r: _reply(pages["now"]))
    baseline = approve(check(site.url("/")))
    pages["now"] = render(extra="<iframe src='http://ads.example.net/x' width=1 height=1></iframe>")
    report = check(site.url("/"), baseline=baseline)
    conditions = by_name(report)
    assert conditions["tamper.text"].ok  # the readable text is unchanged
    assert not conditions["tamper.structure"].ok
    assert conditions["tamper.structure"].severity == "high"


def test_legitimate_publish_re_approved_as_new_baseline_no_longer_alerts(site):
    pages = {"now": render()}
    site.page("/", lambda _r: _reply(pages["now"]))
    v1 = approve(check(site.url("/")))
    news = (
        "<li><a href='/news/2'>冬季流感疫苗接种通知</a></li><li><a href='/news/1'>我院开展义诊活动</a></li>"
    )
    pages["now"] = render(news=news)
    changed = check(site.url("/"), baseline=v1)
    conditions = by_name(changed)
    assert not conditions["tamper.hash"].ok
    assert conditions["tamper.structure"].ok  # only a new internal link: low
    assert conditions["tamper.text"].ok  # most of the text is the same
    low = [c for c in conditions["tamper.structure"].evidence["changes"] if c["added"]]
    assert low == [{"kind": "links", "item": site.url("/news/2"), "added": True, "severity": "low"}]
    v2 = Baseline.approve(changed.snapshot, approved_by="宣传科 李工", previous=v1, note="发布流感通知")
    assert (v2.version, v2.approved_by) == (2, "宣传科 李工")
    again = check(site.url("/"), baseline=Baseline.from_dict(json.loads(json.dumps(v2.to_dict()))))
    assert again.tamper.changed is False
    assert not [c for c in again.failed if c.name.startswith("tamper.")]


def test_phrase_already_on_the_approved_page_does_not_alarm(site):
    pages = {"now": render(extra="<p>防范黑客攻击，保护患者隐私</p>")}
    site.page("/", lambda _r: _reply(pages["now"]))
    baseline = approve(check(site.url("/")))
    pages["now"] = render(extra="<p>防范黑客攻击，保护患者隐私</p><p>新增一条</p>")
    report = check(site.url("/"), baseline=baseline)
    assert by_name(report)["tamper.phrases"].ok


def test_without_baseline_a_defacement_phrase_still_fails(site):
    site.page("/", "<title>Hacked by X</title><p>hi</p>")
    report = check(site.url("/"))
    assert by_name(report)["tamper.baseline"].ok
    phrases = by_name(report)["tamper.phrases"]
    assert not phrases.ok and phrases.severity == "medium"


def test_text_similarity_scores():
    base = "医院始建于1952年，是一所集医疗、教学、科研为一体的三级甲等综合医院。门诊时间周一至周日。"
    assert text_similarity(base, base) == 1.0
    assert 0.7 < text_similarity(base, base + "新增通知一条") < 1.0
    assert text_similarity(base, "Hacked by someone, your security is nothing") < 0.05
    assert text_similarity("", "") == 1.0


def test_baseline_round_trips_through_json(site):
    site.page("/", render())
    baseline = approve(check(site.url("/")))
    restored = Baseline.from_dict(json.loads(json.dumps(baseline.to_dict(), ensure_ascii=False)))
    assert restored == baseline
    assert restored.approved_at.tzinfo is not None
    assert restored.approved_at <= dt.datetime.now(dt.UTC)
