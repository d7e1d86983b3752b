"""Hostile files give the one documented refusal with a message — never a traceback — and
awkward but honest ones (other encodings, long prologs) are read."""

from __future__ import annotations

import pytest

from dengbao.core.importers import ImportFormatError, detect, parse

from .conftest import SAMPLES, findings
from .hostile import HOSTILE, cp1252_csv


@pytest.mark.parametrize(
    ("name", "fmt", "content", "reason"), HOSTILE, ids=[f"{h[0]}-{h[1]}" for h in HOSTILE]
)
def test_hostile_files_are_refused_with_a_message(tmp_path, name, fmt, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as caught:
        list(parse(path, None if fmt == "auto" else fmt))
    assert reason in str(caught.value) and str(caught.value).startswith(f"{name}：")


def test_a_cp1252_sheet_is_read_in_its_encoding(tmp_path):
    path = tmp_path / "excel-west.csv"
    path.write_bytes(cp1252_csv())
    (item,) = findings(path, "csv")
    assert item.title == "Résumé upload accepts .php" and item.description == "Müller's café ? naïve check"


def test_a_long_prolog_does_not_hide_the_root(tmp_path):
    text = (SAMPLES / "nmap_hospital.xml").read_text(encoding="utf-8")
    start = text.index("<nmaprun")
    prolog = "".join(f"<!-- {'注释' * 500} {i} -->\n" for i in range(300))  # ~900 KB of comments
    path = tmp_path / "prolog.xml"
    path.write_text(text[:start] + prolog + text[start:], encoding="utf-8")
    assert detect(path) == "nmap"
    assert len(list(parse(path))) == len(list(parse(SAMPLES / "nmap_hospital.xml")))


def test_a_file_of_a_known_tool_in_another_export_names_the_one_to_use(tmp_path):
    nessus_csv = tmp_path / "export.csv"
    nessus_csv.write_bytes((SAMPLES / "nessus_export.csv").read_bytes())
    with pytest.raises(ImportFormatError, match="它看起来是 Nessus/Tenable CSV 导出 文件，请选择该格式"):
        list(parse(nessus_csv, "nessus"))
    zap_html = tmp_path / "zap.html"
    zap_html.write_text("<html><head><title>ZAP Scanning Report</title></head></html>", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="这是 OWASP ZAP 的 HTML 报告；请生成 Traditional XML"):
        detect(zap_html)
    nuclei_text = tmp_path / "nuclei.txt"
    nuclei_text.write_text("[git-config] [http] [medium] https://a.example/.git/config\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="Nuclei 的终端文本输出；请用 nuclei -jsonl"):
        detect(nuclei_text)


def test_an_oversized_text_field_is_cut_with_a_warning(tmp_path):
    from dengbao.core.importers import RecordWarning
    from dengbao.core.importers.limits import MAX_TEXT_CHARS

    path = tmp_path / "big.csv"
    path.write_text(
        f"标题,严重程度,主机,描述\n大字段,低,10.0.0.1,{'长' * (MAX_TEXT_CHARS + 10)}\n", encoding="utf-8"
    )
    records = list(parse(path, "csv"))
    (warning,) = [r for r in records if isinstance(r, RecordWarning)]
    (item,) = findings(path, "csv")
    assert "description 超过 1,000,000 字符，已截断保存" in warning.reason
    assert len(item.description) < MAX_TEXT_CHARS + 100 and item.description.endswith(
        "（已截断，原文 1,000,010 字符）"
    )
