"""OWASP ZAP, XML and JSON: one finding per instance, identity without attack or evidence."""

from __future__ import annotations

from dengbao.core.importers import Severity, dedup_key

from .conftest import SAMPLES, by_severity, findings, rewrite

XML = SAMPLES / "zap_portal.xml"
JSON = SAMPLES / "zap_wechat.json"


def test_xml_instances_severities_and_fields():
    items = findings(XML)
    assert len(items) == 10
    assert by_severity(items) == {"HIGH": 1, "MEDIUM": 4, "LOW": 3, "INFO": 2}
    assert [f.url for f in items[:3]] == [
        "https://portal.hospital.example/",
        "https://portal.hospital.example/login",
        "https://portal.hospital.example/static/app.js?v=20240307",
    ]
    csp = items[0]
    assert (csp.tool_rule_id, csp.raw_severity, csp.cwe, csp.port, csp.host) == (
        "10038-1",
        "Medium (High)",
        (693,),
        443,
        "portal.hospital.example",
    )
    assert csp.description.startswith("Content Security Policy (CSP) is an added layer")  # <p> stripped
    assert csp.references == (
        "https://developer.mozilla.org/en-US/docs/Web/Security/CSP/Introducing_Content_Security_Policy",
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
    )
    xss = next(f for f in items if f.cwe == (79,))
    assert (xss.severity, xss.parameter) == (Severity.HIGH, "keyword")
    assert xss.evidence == "</span><scrIpt>alert(1);</scRipt>\n攻击载荷：</span><scrIpt>alert(1);</scRipt>"
    assert xss.dedup_key == dedup_key(
        "zap", "40012", "GET", "https://portal.hospital.example/search?keyword&page", "keyword"
    )
    assert xss.solution.splitlines() == [
        "Phase: Architecture and Design",
        "Use a vetted library or framework that does not allow this weakness to occur.",
    ]


def test_xml_alert_without_instances_and_duplicate_instances():
    items = findings(XML)
    hsts = next(f for f in items if f.tool_rule_id == "10035")
    assert (hsts.url, hsts.severity, hsts.references) == ("https://portal.hospital.example", Severity.LOW, ())
    nosniff = [f for f in items if f.tool_rule_id == "10021"]
    assert [(f.host, f.port) for f in nosniff] == [("10.20.1.10", 8080)] * 2
    assert nosniff[0].dedup_key == nosniff[1].dedup_key
    assert len({f.dedup_key for f in items}) == 9


def test_json_report():
    items = findings(JSON)
    assert [(f.title, f.severity, f.parameter) for f in items] == [
        ("SQL 注入", Severity.HIGH, "patientId"),
        ("SQL 注入", Severity.HIGH, "cardNo"),
        ("Cookie 未设置 HttpOnly 标志", Severity.LOW, "JSESSIONID"),
        ("信息泄露 - 可疑注释", Severity.INFO, ""),
        ('服务器通过 "Server" HTTP 响应头泄露版本信息', Severity.LOW, ""),
    ]
    sqli = items[0]
    assert sqli.raw_severity == "高 (中)" and sqli.cwe == (89,)
    assert sqli.evidence == "攻击载荷：10086' AND '1'='1\n原始页面与注入后页面结果相同。"
    assert sqli.solution == "不要信任客户端输入。\n使用参数化查询。"
    assert sqli.dedup_key == dedup_key(
        "zap", "40018", "GET", "https://wx.hospital.example/api/appointment/list?date&patientId", "patientId"
    )
    assert items[1].dedup_key == dedup_key(
        "zap", "40018", "POST", "https://wx.hospital.example/api/report/query", "cardNo"
    )
    v6 = items[-1]
    assert (v6.host, v6.hostname, v6.port, v6.raw_severity) == ("2001:db8:10::25", "", 8080, "1")


def test_rescan_with_other_payloads_and_dates_keeps_keys(tmp_path):
    later = rewrite(
        JSON,
        tmp_path / "later.json",
        ('"@generated": "周四, 7 3月 2024 16:05:44"', '"@generated": "周三, 5 6月 2024 09:00:00"'),
        (
            "patientId=10086%27+AND+%271%27%3D%271&date=2024-03-08",
            "patientId=20001%27+OR+1%3D1&date=2024-06-05",
        ),
        ('"evidence": "Apache-Coyote/1.1"', '"evidence": "Apache-Coyote/1.1 (again)"'),
    )
    assert [f.dedup_key for f in findings(later)] == [f.dedup_key for f in findings(JSON)]


def test_xml_rescan_keeps_keys(tmp_path):
    later = rewrite(
        XML,
        tmp_path / "later.xml",
        ('generated="Thu, 7 Mar 2024 15:20:31"', 'generated="Wed, 5 Jun 2024 09:00:00"'),
        ("<evidence>1709795831</evidence>", "<evidence>1717550000</evidence>"),
        ("app.js?v=20240307", "app.js?v=20240605"),
    )
    assert [f.dedup_key for f in findings(later)] == [f.dedup_key for f in findings(XML)]
