"""The 漏洞扫描报告 from the one Finding type: chapters, every finding, advice grouped by rule."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import docx

from dengbao.core.documents import scan_report as sr
from dengbao.core.documents.report_samples import sample_scan_input


def _doc(data, **kw):
    return docx.Document(io.BytesIO(sr.render_scan_report(data, **kw)))


def test_chapters_counts_and_every_finding():
    data = sample_scan_input()
    document = _doc(data)
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == list(sr.CHAPTERS)
    text = "\n".join(p.text for p in document.paragraphs)
    assert not re.search(r"\{\{|\{%", text)
    counts = next(t for t in document.tables if t.rows[0].cells[0].text == "漏洞等级")
    shown = {r.cells[0].text: r.cells[1].text for r in counts.rows[1:]}
    assert shown == {"严重": "1", "高": "1", "中": "2", "低": "1", "信息": "1", "合计": "6"}
    details = [t for t in document.tables if t.rows[0].cells[-1].text == "整改建议"]
    rows = [r for t in details for r in t.rows[1:]]
    assert len(rows) == len(data.findings)
    assert {r.cells[2].text.split("\n")[0] for r in rows} == {f.title for f in data.findings}
    weak = next(r for r in rows if r.cells[2].text.startswith("弱口令"))
    assert "状态：已确认" in weak.cells[2].text and weak.cells[1].text == "10.0.0.11:3306/tcp"
    assert any("CVE-2024-6387" in r.cells[4].text and "CVSS 8.1" in r.cells[4].text for r in rows)
    ports = next(t for t in document.tables if t.rows[0].cells[0].text == "主机" and len(t.columns) == 5)
    assert [(r.cells[0].text, r.cells[1].text) for r in ports.rows[1:]] == [
        ("10.0.0.10", "22"),
        ("10.0.0.10", "443"),
        ("10.0.0.11", "3306"),
    ]


def test_advice_groups_one_rule_found_in_two_places_and_leaves_out_info():
    advice = sr.scan_report_context(sample_scan_input())["advice"]
    assert [a["severity"] for a in advice] == ["严重", "高", "中", "低"]
    tls = next(a for a in advice if a["title"].startswith("TLS 1.0"))
    assert tls["places"] == 2


def test_no_findings_says_so():
    document = _doc(replace(sample_scan_input(), findings=(), services=()), charts_on=False)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本次扫描未发现安全漏洞。" in text and "未记录开放端口" in text
    assert "本次扫描未发现需要修复的漏洞" in text
