"""Format detection from the first 4 KiB, and clear refusals of what is no scan report."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from dengbao.core.importers import ImportFormatError, detect

from .conftest import SAMPLES

EXPECTED = {
    "nmap_hospital.xml": "nmap",
    "nessus_hospital.nessus": "nessus",
    "openvas_hospital.xml": "openvas",
    "nuclei_portal.jsonl": "nuclei",
    "zap_portal.xml": "zap",
    "zap_wechat.json": "zap",
    "pentest_utf8_bom.csv": "csv",
    "pentest_gb18030.csv": "csv",
    "tool_export_en.csv": "csv",
    "nuclei_v3_27.jsonl": "nuclei",
    "nessus_export.csv": "nessus-csv",
    "openvas_results.csv": "openvas-csv",
    "acunetix_portal.xml": "acunetix",
    "qualys_scan.xml": "qualys",
    "qualys_report.xml": "qualys",
    "xray_webscan.json": "xray",
    "real_tenable_sc_many_vuln.csv": "nessus-csv",
    "real_openvas_many_vuln.csv": "openvas-csv",
    "real_acunetix_one_finding.xml": "acunetix",
    "real_qualys_asset_data_report.xml": "qualys",
    "real_xray_v1_webscan.json": "xray",
    "real_xray_v0_doc_samples.json": "xray",
}


def test_every_sample_is_detected():
    assert {p.name: detect(p) for p in SAMPLES.iterdir() if p.suffix != ".md"} == EXPECTED


def test_nuclei_json_array_and_gmp_wrapper(tmp_path):
    array = tmp_path / "nuclei.json"
    array.write_text(json.dumps([{"template-id": "x", "info": {"severity": "low"}, "matched-at": "a:1"}]))
    assert detect(array) == "nuclei"
    gmp = tmp_path / "gmp.xml"
    gmp.write_text('<get_reports_response status="200"><report id="r"></report></get_reports_response>')
    assert detect(gmp) == "openvas"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "文件为空"),
        (b"  \n\t\n", "文件为空"),
        (gzip.compress(b"<NessusClientData_v2/>", mtime=0), "gzip 压缩文件，请先解压"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP 压缩包（或 Excel 文件）"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "二进制文件"),
        (os.urandom(0) + bytes(range(256)) * 8, "二进制文件"),
        (
            b'<?xml version="1.0"?>\n<!-- x -->\n<QualysReport><a/></QualysReport>',
            "无法识别的 XML 格式（根元素 <QualysReport>）",
        ),
        (b'<?xml version="1.0"?><NessusClientData><Report/></NessusClientData>', "旧版 Nessus v1 格式"),
        (b'{"vulnerabilities": []}', "无法识别的 JSON 格式"),
        ("漏洞,级别\nA,高\n".encode(), "至少含“标题”（title）列"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "b">]>\n<r>&a;</r>', "DTD 内部子集"),
    ],
)
def test_refusals_name_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as caught:
        detect(path)
    assert reason in caught.value.reason
    assert caught.value.source == "upload.bin"
    assert str(caught.value).startswith("upload.bin：")
