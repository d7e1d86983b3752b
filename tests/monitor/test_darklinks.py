"""Dark links: hidden-link detection, script-written links, keyword lists, cloaking to spiders."""

from __future__ import annotations

import asyncio

import pytest

from dengbao.core.monitor.darklinks import extract_links, find_dark_links
from dengbao.core.monitor.engine import MonitorConfig, run_checks
from dengbao.core.monitor.ssrf import TargetPolicy
from dengbao.core.monitor.wordlists import KeywordLists, default_lists, parse_list

from .servers import LOOPBACK, Reply

LOCAL = TargetPolicy.build(networks=LOOPBACK)  # loopback is opened only by an explicit list
PAGE = "http://www.hospital.example/"


def links_of(html: str) -> dict[str, object]:
    return {link.url: link for link in extract_links(html, PAGE)}


def test_gambling_link_served_only_to_baiduspider_is_found_by_the_spider_fetch(site):
    clean = "<html><body><h1>某县人民医院</h1><a href='/guide'>就医指南</a></body></html>"
    spam = (
        "<html><body><h1>某县人民医院</h1><a href='/guide'>就医指南</a>"
        "<div style='position:absolute;top:-1200px;left:-1200px'>"
        "<a href='http://www.amxpj-bocai.example/'>澳门新葡京娱乐场</a></div></body></html>"
    )

    def home(request):
        agent = request.headers.get("User-Agent", "")
        return Reply(body=spam if "Baiduspider" in agent else clean)

    site.routes["/"] = home
    with_spider = asyncio.run(
        run_checks(MonitorConfig(url=site.url("/"), spider_agents=("Baiduspider", "Googlebot")), policy=LOCAL)
    )
    [dark] = with_spider.dark_links
    assert dark.url == "http://www.amxpj-bocai.example/"
    assert dark.text == "澳门新葡京娱乐场"
    assert dark.hidden is True
    assert dark.spider_only is True and dark.seen_by == ("Baiduspider",)
    assert dark.severity == "high" and "gambling" in dark.categories
    assert "移出屏幕" in dark.reason and "爬虫" in dark.reason
    failed = {c.name for c in with_spider.failed}
    assert {"darklinks", "darklinks.cloaking"} <= failed
    # the browser fetch alone sees nothing
    assert "http://www.amxpj-bocai.example/" not in links_of(with_spider.fetches[0].text)
    without_spider = asyncio.run(run_checks(MonitorConfig(url=site.url("/"), spider=False), policy=LOCAL))
    assert without_spider.dark_links == ()
    assert not [c for c in without_spider.failed if c.name.startswith("darklinks")]
    agents = [r.headers["User-Agent"] for r in site.seen]
    assert sum("Baiduspider" in a for a in agents) == 1 and sum("Googlebot" in a for a in agents) == 1


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<div style='display:none'>{a}</div>", "display:none"),
        ("<span style='visibility:hidden'>{a}</span>", "visibility:hidden"),
        ("<div style='position:absolute;left:-9999px'>{a}</div>", "移出屏幕"),
        ("<p style='text-indent:-9999px'>{a}</p>", "text-indent"),
        ("<div style='height:0;overflow:hidden'>{a}</div>", "零尺寸"),
        ("<div style='font-size:0'>{a}</div>", "font-size:0"),
        ("<div style='background:#ffffff'><p style='color:#FFF'>{a}</p></div>", "颜色与背景色相同"),
        ("<div style='background-color:rgb(0,0,0)'><font color='black'>{a}</font></div>", "颜色与背景色相同"),
        ("<marquee height='1' width='1'>{a}</marquee>", "极小的 marquee"),
        ("<div class='seo'>{a}</div>", "移出屏幕"),
        ("<div id='x'>{a}</div>", "display:none"),
        ("<div hidden>{a}</div>", "hidden 属性"),
    ],
)
def test_hidden_link_tricks_are_recognised(markup, reason):
    anchor = "<a href='http://spam.example/'>链接</a>"
    html = (
        "<html><head><style>.seo{position:absolute;top:-3000px} #x{display:none} a:hover{color:red}</style>"
        f"</head><body><a href='/visible'>可见</a>{markup.format(a=anchor)}</body></html>"
    )
    links = links_of(html)
    hidden = links["http://spam.example/"]
    assert hidden.hidden, markup
    assert any(reason in h.reason for h in hidden.hiding), [h.reason for h in hidden.hiding]
    assert links["http://www.hospital.example/visible"].hidden is False


def test_tiny_iframe_and_meta_refresh_are_hidden_links():
    html = (
        "<html><head><meta http-equiv='refresh' content='0; url=http://jump.example/'></head>"
        "<body><iframe src='http://frame.example/' width='0' height='0'></iframe>"
        "<iframe src='/map' width='600' height='400'></iframe></body></html>"
    )
    links = links_of(html)
    assert links["http://jump.example/"].kind == "meta-refresh" and links["http://jump.example/"].hidden
    assert (
        links["http://frame.example/"].hidden and "iframe" in links["http://frame.example/"].hiding[0].reason
    )
    assert links["http://www.hospital.example/map"].hidden is False


def test_links_written_by_inline_script_are_extracted():
    html = """<html><body><script>
    document.write('<div style="display:none"><a href="http://www.'
                   + 'liuhecai-tm.example/">六合彩' + '</a></div>');
    if (document.referrer.indexOf("baidu") > -1) { window.location.href = "http://redirect.example/landing"; }
    var cdn = "\\x68ttp://escaped.example/x";
    </script>
    <script>document.write(unescape("%3Ca%20href%3D%22http%3A//percent.example/%22%3E%u535A%u5F69%3C/a%3E"));</script>
    </body></html>"""
    links = links_of(html)
    written = links["http://www.liuhecai-tm.example/"]
    assert written.kind == "document.write" and written.text == "六合彩" and written.hidden
    assert links["http://redirect.example/landing"].kind == "script-redirect"
    assert links["http://escaped.example/x"].kind == "script-url"
    assert links["http://percent.example/"].text == "博彩"


def test_keyword_and_domain_matching():
    lists = default_lists()
    assert {h.term for h in lists.match(url="http://www.bocai888.example/")} == {"bocai"}
    assert {h.term for h in lists.match(url="http://x.example/", text="时时彩 百家乐")} == {
        "时时彩",
        "百家乐",
    }
    assert {h.where for h in lists.match(url="https://play.casino/")} >= {"domain"}
    assert lists.match(url="http://www.alphabet.example/avatar", text="Sussex hospital") == []
    assert lists.match(url="http://www.duchang-yule.example/")[0].category == "gambling"


def test_edited_list_replaces_the_defaults():
    mine = KeywordLists((parse_list("# label: 医托\n医托\ndomain: fake-clinic.example\n", category="fraud"),))
    views = {"browser": extract_links("<a href='http://www.fake-clinic.example/'>专家挂号</a>", PAGE)}
    [dark] = find_dark_links(views, PAGE, mine)
    assert dark.categories == ("fraud",) and dark.hidden is False and dark.severity == "medium"
    assert find_dark_links(views, PAGE, default_lists()) == []


def test_visible_menu_links_and_own_links_are_not_suspicious():
    html = (
        "<nav><ul><li><a href='/a'>科室</a>"
        "<ul style='display:none'><li><a href='/b'>内科</a></li></ul></li></ul></nav>"
        "<a href='http://www.nhc.gov.cn/'>国家卫健委</a>"
        "<select><option>友情链接</option></select>"
        "<div style='display:none'><a href='http://partner.example/'>合作</a></div>"
    )
    views = {"browser": extract_links(html, PAGE)}
    dark = find_dark_links(views, PAGE, default_lists())
    assert [(d.url, str(d.severity)) for d in dark] == [("http://partner.example/", "low")]


def test_sensitive_words_on_page_text(site):
    site.page("/", "<p>本站出售代开发票服务</p>")
    report = asyncio.run(run_checks(MonitorConfig(url=site.url("/"), spider=False), policy=LOCAL))
    sensitive = {c.name: c for c in report.conditions}["content.sensitive_words"]
    assert not sensitive.ok
    assert sensitive.evidence["found"] == {"browser": {"代开发票": 1}}
