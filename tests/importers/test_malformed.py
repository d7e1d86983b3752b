"""Truncated, mislabelled and malformed files: one exception type, saying where and what."""

from __future__ import annotations

import pytest

from dengbao.core.importers import Finding, ImportFormatError, parse

from .conftest import SAMPLES, rewrite

NESSUS = SAMPLES / "nessus_hospital.nessus"


def _drain(path, fmt=None) -> list:
    records = []
    with pytest.raises(ImportFormatError) as caught:
        for record in parse(path, fmt):
            records.append(record)
    caught.value.records = records
    return caught.value


def test_truncated_nessus_reports_line_after_streaming_the_complete_part(tmp_path):
    data = NESSUS.read_bytes()
    cut = tmp_path / "cut.nessus"
    cut.write_bytes(data[: data.index(b'<ReportItem port="3389"') + 40])
    error = _drain(cut)
    assert (
        len([r for r in error.records if isinstance(r, Finding)]) == 11
    )  # every complete item before the cut
    assert "文件在此意外结束，内容不完整（文件被截断或扫描中断）" in error.reason
    assert error.line == 169 and error.where == "第 169 行第 1 列"  # the cut ReportItem's line


def test_interrupted_nmap_scan(tmp_path):
    text = (SAMPLES / "nmap_hospital.xml").read_text(encoding="utf-8")
    cut = tmp_path / "partial.xml"
    cut.write_text(text[: text.index("<runstats>")], encoding="utf-8")
    error = _drain(cut, "nmap")
    assert "意外结束" in error.reason and error.source == "partial.xml"
    assert len(error.records) == 18  # all hosts were complete


@pytest.mark.parametrize(
    ("sample", "fmt", "reason"),
    [
        (
            "nessus_hospital.nessus",
            "nmap",
            "不是 nmap XML 的 <nmaprun>；它看起来是 Nessus（.nessus v2） 文件",
        ),
        (
            "nmap_hospital.xml",
            "openvas",
            "不是 OpenVAS/Greenbone XML 报告 的 <report> 或 <get_reports_response>",
        ),
        ("zap_portal.xml", "nessus", "根元素是 <OWASPZAPReport>"),
        ("openvas_hospital.xml", "zap", "根元素是 <report>，不是 ZAP XML 报告 的 <OWASPZAPReport>"),
        ("nmap_hospital.xml", "nuclei", "不是有效的 JSON"),
        ("nuclei_portal.jsonl", "nessus", "不是格式正确的 XML"),
        ("pentest_utf8_bom.csv", "zap", "不是格式正确的 XML"),
        (
            "zap_wechat.json",
            "nuclei",
            "不是有效的 JSON（第 1 列：Expecting property name enclosed in double quotes）；Nuclei",
        ),
        ("nuclei_portal.jsonl", "zap", "不是 ZAP 的 JSON 报告：顶层没有 site 列表"),
        ("nessus_hospital.nessus", "csv", "表头中没有“标题”（title）列"),
    ],
)
def test_wrong_format_is_named(sample, fmt, reason):
    error = _drain(SAMPLES / sample, fmt)
    assert reason in error.reason
    assert error.records == []


def test_unknown_format_and_empty_file(tmp_path):
    with pytest.raises(
        ImportFormatError, match="未知的格式 'sarif'；可选：nmap、nessus、nessus-csv、openvas"
    ):
        parse(NESSUS, "sarif")
    empty = tmp_path / "empty.nessus"
    empty.write_bytes(b"")
    for fmt in ("nessus", "csv", "nmap", None):
        with pytest.raises(ImportFormatError, match=r"empty\.nessus：文件为空（Nuclei（-jsonl）、xray"):
            list(parse(empty, fmt))
    for fmt in ("nuclei", "xray"):  # these tools write nothing when they found nothing
        assert list(parse(empty, fmt)) == []


def test_binary_junk_given_a_format(tmp_path):
    junk = tmp_path / "junk.nessus"
    junk.write_bytes(bytes(range(256)) * 4)
    error = _drain(junk, "nessus")
    assert error.where == "第 1 行第 1 列" and "不是格式正确的 XML" in error.reason


@pytest.mark.parametrize(
    ("old", "new", "where", "reason"),
    [
        ('pluginID="18405"', 'pluginID=""', "ReportHost[2]/ReportItem[3]", "ReportItem 缺少 pluginID 属性"),
        (
            'severity="1" pluginID="10114"',
            'severity="High" pluginID="10114"',
            "ReportHost[2]/ReportItem[5]",
            "'High'，应为 0–4",
        ),
        ('port="104"', 'port="dicom"', "ReportHost[3]/ReportItem[1]", "port 属性是 'dicom'"),
        (
            '<ReportHost name="pacs.hospital.local">',
            "<ReportHost>",
            "ReportHost[3]",
            "ReportHost 缺少 name 属性",
        ),
    ],
)
def test_bad_nessus_item_names_its_element(tmp_path, old, new, where, reason):
    bad = rewrite(NESSUS, tmp_path / "bad.nessus", (old, new))
    error = _drain(bad)
    assert error.where == f"元素 /NessusClientData_v2/Report[1]/{where}"
    assert reason in error.reason


def test_bad_nmap_port_and_openvas_severity(tmp_path):
    nmap = rewrite(SAMPLES / "nmap_hospital.xml", tmp_path / "n.xml", ('portid="1433"', 'portid="ms-sql"'))
    error = _drain(nmap)
    assert error.where == "元素 /nmaprun/host[2]" and "portid 属性是 'ms-sql'" in error.reason
    gvm = rewrite(
        SAMPLES / "openvas_hospital.xml",
        tmp_path / "o.xml",
        ("<severity>2.1</severity>", "<severity>低</severity>"),
    )
    error = _drain(gvm)
    assert error.where == "元素 /report/report[1]/results[1]/result[5]/severity"
    assert "severity 是 '低'，应为 CVSS 分值" in error.reason


def test_nuclei_bad_lines(tmp_path):
    lines = (SAMPLES / "nuclei_portal.jsonl").read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:120], encoding="utf-8")
    error = _drain(cut)
    assert error.where == "第 10 行" and error.line == 10
    assert "这一行不完整，文件可能被截断" in error.reason
    assert len(error.records) == 8
    bad = tmp_path / "sev.jsonl"
    bad.write_text(
        lines[0] + "\n" + lines[1].replace('"severity":"info"', '"severity":"severe"'), encoding="utf-8"
    )
    error = _drain(bad)
    assert error.where == "第 2 行" and "info.severity 是 'severe'" in error.reason
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": 1, "info": {}}\n', encoding="utf-8")
    assert "缺少 template-id，这不像 Nuclei 的输出" in _drain(other, "nuclei").reason
    notobj = tmp_path / "list.jsonl"
    notobj.write_text('["template-id"]\n', encoding="utf-8")
    assert "应为一个 JSON 对象" in _drain(notobj, "nuclei").reason


def test_zap_json_truncated_and_bad_risk(tmp_path):
    text = (SAMPLES / "zap_wechat.json").read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"pluginid": "10027"')], encoding="utf-8")
    error = _drain(cut)
    assert "JSON 在此意外结束，内容不完整" in error.reason
    assert len(error.records) == 3
    risk = rewrite(
        SAMPLES / "zap_wechat.json",
        tmp_path / "risk.json",
        (
            '"riskcode": "1",\n\t\t\t\t\t"confidence": "2",\n\t\t\t\t\t"riskdesc": "低',
            '"riskcode": "5",\n\t\t\t\t\t"confidence": "2",\n\t\t\t\t\t"riskdesc": "低',
        ),
    )
    error = _drain(risk)
    assert "告警 'Cookie 未设置 HttpOnly 标志' 的 riskcode 是 '5'，应为 0–3" in error.reason
    assert error.where.startswith("第 ")
    syntax = rewrite(
        SAMPLES / "zap_wechat.json", tmp_path / "syntax.json", ('"@ssl": "true",', '"@ssl": "true" ;')
    )
    error = _drain(syntax)
    assert error.where == "第 10 行第 19 列" and "此处应为 逗号" in error.reason


def test_zap_xml_bad_risk(tmp_path):
    bad = rewrite(
        SAMPLES / "zap_portal.xml",
        tmp_path / "z.xml",
        ("<riskcode>3</riskcode>", "<riskcode>high</riskcode>"),
    )
    error = _drain(bad)
    assert error.where == "元素 /OWASPZAPReport/site[1]/alerts[1]/alertitem[3]"
    assert "riskcode 是 'high'" in error.reason
