"""Hostile and awkward files, shared by the core tests and the CLI/API tests of tests/scanning.

Each is (file name, format given or "auto", content, words the refusal must contain). Every one
must be refused with ImportFormatError — never another exception — and never store anything.
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"

_DEEP = 5000  # well past the decoder's recursion limit, and past any bound a real export needs


def _nuclei_line(**change) -> bytes:
    first = json.loads((SAMPLES / "nuclei_v3_27.jsonl").read_text(encoding="utf-8").splitlines()[0])
    first.update(change)
    return (json.dumps(first) + "\n").encode()


def _nmap(**replace: str) -> bytes:
    text = (SAMPLES / "nmap_hospital.xml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


HOSTILE: list[tuple[str, str, bytes, str]] = [
    ("control-junk.csv", "csv", bytes(range(1, 32)) * 40 + b"\x81\x8d\x8f\x90\x9d" * 50, "二进制文件"),
    ("cp1252.jsonl", "nuclei", '{"template-id": "café-check"}\n'.encode("cp1252"), "不是有效的 UTF-8 编码"),
    ("klingon.xml", "nmap", b'<?xml version="1.0" encoding="x-klingon"?><nmaprun/>', "不支持的字符编码"),
    ("program.bin", "csv", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16, "二进制文件"),
    ("program.bin", "auto", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16, "二进制文件"),
    ("deep.jsonl", "nuclei", b"[" * _DEEP + b"]" * _DEEP + b"\n", "嵌套超过"),
    ("deep.jsonl", "auto", b'{"template-id": "x", "a": ' + b"[" * _DEEP + b"]" * _DEEP + b"}\n", "嵌套超过"),
    ("deep.json", "xray", b"[" + b"[" * _DEEP + b"]" * _DEEP + b"]", "嵌套超过"),
    ("deep.json", "zap", b'{"site": [{"@name": ' + b"[" * _DEEP + b"]" * _DEEP + b"}]}", "嵌套超过"),
    ("deep.xml", "nmap", b"<nmaprun>" + b"<a>" * _DEEP + b"</a>" * _DEEP + b"</nmaprun>", "嵌套超过"),
    ("port.jsonl", "nuclei", _nuclei_line(**{"matched-at": "192.0.2.9:99999"}), "'99999' 无效"),
    ("port.xml", "nmap", _nmap(**{'portid="1433"': 'portid="70000"'}), "应为 1–65535"),
    (
        "port.csv",
        "csv",
        "标题,严重程度,主机,端口\n弱口令,高,10.0.0.1,0\n".encode(),
        "端口 '0' 应为 1–65535",
    ),
    (
        "long-prolog.xml",
        "auto",
        b'<?xml version="1.0"?>\n' + b"<!-- " + b"x" * (3 * 1024 * 1024) + b" -->\n<nmaprun/>",
        "无法识别的 XML 格式",
    ),
    ("report.html", "auto", b"<!DOCTYPE html><html><head><title>Nessus Scan Report</title>", "导出 .nessus"),
    ("scan.txt", "auto", b"# Nmap 7.94 scan initiated Mon May 11 as: nmap -sV 10.0.0.1\n", "nmap -oX"),
    (
        "report.html",
        "nessus",
        b"<!DOCTYPE html><html><head><title>Nessus Scan Report</title>",
        "导出 .nessus",
    ),
]


def cp1252_csv() -> bytes:
    """A pen-test sheet saved by Excel on a Western Windows: readable, so it imports."""
    text = "Title,Severity,Host,Description\n"
    text += "Résumé upload accepts .php,High,10.0.0.7,Müller's café → naïve check\n"
    return text.encode("cp1252", errors="replace")
