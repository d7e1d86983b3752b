"""Generic CSV: Chinese and English headers, UTF-8 with BOM and GB18030, cell-level errors."""

from __future__ import annotations

import pytest

from dengbao.core.importers import ImportFormatError, Severity, dedup_key

from .conftest import SAMPLES, findings

PENTEST = SAMPLES / "pentest_utf8_bom.csv"


def test_pentest_rows_with_chinese_headers():
    items = findings(PENTEST)
    assert [f.tool_rule_id for f in items] == [
        f"PT-2024-00{n}" for n in (1, 2, 3, 4, 5, 1, 6)
    ]  # blank row skipped
    assert [f.severity for f in items] == [
        Severity.HIGH,
        Severity.CRITICAL,
        Severity.MEDIUM,
        Severity.CRITICAL,  # no 严重程度, CVSS 10.0
        Severity.MEDIUM,
        Severity.HIGH,
        Severity.LOW,
    ]
    idor = items[0]
    assert idor.title == "互联网医院预约接口越权查询他人就诊记录" and idor.tool == "csv"
    assert (idor.host, idor.port, idor.parameter, idor.cwe, idor.cvss_score) == (
        "203.0.113.10",
        443,
        "visitId",
        (639,),
        8.1,
    )
    assert idor.steps.splitlines()[1] == "2. 抓取 /api/visit/detail 请求，将 visitId 改为 88230"
    assert idor.evidence == "响应中出现患者 B 姓名“张*明”与诊断“2 型糖尿病”"
    assert idor.references == ("https://owasp.org/Top10/A01_2021-Broken_Access_Control/",)
    assert items[1].port == 8080 and items[1].protocol == "tcp" and items[1].cwe == (521, 1392)
    assert (items[2].host, items[2].port) == ("wx.hospital.example", 443)  # taken from the URL
    assert items[3].cve == ("CVE-2021-44228", "CVE-2021-45046")  # full-width ； separator
    assert items[4].host == "2001:db8:10::25"
    assert items[6].description == '访客 Wi-Fi "HOSP-GUEST" 仍使用 WEP。'


def test_retest_row_is_the_same_finding():
    items = findings(PENTEST)
    assert items[0].dedup_key == items[5].dedup_key  # same id, host, port, path, parameter; other query value
    assert items[0].dedup_key == dedup_key(
        "csv",
        "PT-2024-001",
        "203.0.113.10",
        443,
        "",
        "https://portal.hospital.example/api/visit/detail?visitId",
        "visitId",
    )
    assert len({f.dedup_key for f in items}) == 6


def test_gb18030_file_with_noted_header():
    items = findings(SAMPLES / "pentest_gb18030.csv")
    assert [(f.title, f.severity, f.host, f.port) for f in items] == [
        ("门诊自助机可退出到 Windows 桌面", Severity.HIGH, "10.20.3.41", None),
        ("检验报告打印服务未授权访问", Severity.MEDIUM, "10.20.3.50", 9100),
    ]
    assert items[0].dedup_key == dedup_key(
        "csv", "title:门诊自助机可退出到 windows 桌面", "10.20.3.41", None, "", "", ""
    )


def test_english_headers_tool_column_and_unknown_columns():
    items = findings(SAMPLES / "tool_export_en.csv")
    assert [(f.tool, f.severity, f.port, f.protocol) for f in items] == [
        ("retire.js", Severity.MEDIUM, 443, "tcp"),
        ("onesixtyone", Severity.HIGH, 161, "udp"),
        ("csv", Severity.INFO, None, "icmp"),
    ]
    assert items[0].cve == ("CVE-2020-11022", "CVE-2020-11023")


def _csv(tmp_path, body: str, encoding: str = "utf-8"):
    path = tmp_path / "bad.csv"
    path.write_bytes(body.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        ("标题,严重程度\nSQL 注入,很高\n", "第 2 行第 2 列（严重程度）", "无法识别的严重程度 '很高'"),
        ("标题,严重程度,端口\nA,高,80\nB,中,http\n", "第 3 行第 3 列（端口）", "端口 'http' 应为 1–65535"),
        ("标题,严重程度,端口\nA,高,70000\n", "第 2 行第 3 列（端口）", "端口 '70000'"),
        ("title,severity,cve\nA,high,CVE-2021-44228 MS17-010\n", "第 2 行第 3 列（cve）", "不是 CVE 编号"),
        ("title,severity,cwe\nA,high,XSS\n", "第 2 行第 3 列（cwe）", "不是 CWE 编号"),
        ("title,cvss\nA,11\n", "第 2 行第 2 列（cvss）", "不是 0–10 之间的数"),
        ("title,severity\nA,\n", "第 2 行第 2 列（severity）", "严重程度为空，也没有 CVSS 分值"),
        ("标题,严重程度\nA,高\n,高\n", "第 3 行第 1 列（标题）", "标题为空"),
        ('标题,严重程度\nA,高\n"截断的标题,高\n', "第 3 行", "CSV 格式错误（unexpected end of data）"),
        ('标题,严重程度\n"多行\n描述",高\nB,高,多出来的\n', "第 4 行", "比表头多"),
    ],
)
def test_bad_cells_name_row_and_column(tmp_path, body, where, reason):
    with pytest.raises(ImportFormatError) as caught:
        findings(_csv(tmp_path, body), "csv")
    assert caught.value.where == where
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"bad.csv：{where}：")


def test_header_without_title_column(tmp_path):
    with pytest.raises(ImportFormatError, match="表头中没有“标题”（title）列；第一行是：名字、级别"):
        findings(_csv(tmp_path, "名字,级别\nA,高\n"), "csv")


def test_gbk_after_a_long_ascii_start_is_still_decoded(tmp_path):
    body = (
        "title,severity,description\n"
        + "".join(f"T{i},low,{'x' * 60}\n" for i in range(2000))
        + "最后一行,高,中文\n"
    )
    items = findings(_csv(tmp_path, body, "gb18030"), "csv")
    assert len(items) == 2001 and items[-1].title == "最后一行" and items[-1].description == "中文"
