"""Files a scanner wrote that are not an importable export: say which export of that tool to use.

Asked only after no importer claimed the file (or the chosen one refused it before its
first record), so a hint never hides a format that can be read.
"""

from __future__ import annotations

import re

from .sniff import Head

_HTML = "这是 {tool} 的 HTML 报告；{export}"
# tool name, words that identify it in an HTML report, the export to use instead
_TOOLS = (
    ("Nessus", ("nessus", "tenable"), "请在 Nessus 中导出 .nessus（XML）或 CSV 格式"),
    ("Acunetix", ("acunetix", "awvs"), "请在 Acunetix 中导出 XML 格式（Export → XML）"),
    (
        "OWASP ZAP",
        ("zaproxy", "owasp zap", "zap scanning report"),
        "请生成 Traditional XML 或 Traditional JSON 报告",
    ),
    ("xray", ("xray", "x-ray", "chaitin"), "请用 xray 的 --json-output 参数输出 JSON 文件"),
    ("Greenbone/OpenVAS", ("greenbone", "openvas"), "请以 XML 或 CSV Results 格式下载报告"),
    ("Qualys", ("qualys",), "请以 XML 格式下载扫描结果（Scan Results）或扫描报告"),
    ("Nuclei", ("nuclei", "projectdiscovery"), "请用 nuclei -jsonl -o 文件.jsonl 输出 JSONL"),
    ("nmap", ("nmap",), "请用 nmap -oX 文件.xml 输出 XML"),
)
_NUCLEI_LINE = re.compile(
    r"^\[[\w.-]+\] \[(?:http|dns|network|tcp|ssl|javascript|file|code|headless)\] \[\w+\]", re.M
)
_QUALYS_CSV = re.compile(r'^"?(?:Scan Results|QID)"?,', re.M)


def named_tool(head: Head) -> str:
    """Which export to use instead, when the file is recognisably another output of a known tool; else ""."""
    text = head.text
    lower = text[:65536].lower()
    if head.kind != "xml" and _NUCLEI_LINE.search(text):
        return "这是 Nuclei 的终端文本输出；请用 nuclei -jsonl -o 文件.jsonl 输出 JSONL"
    if (head.kind == "xml" and head.root.lower() == "html") or lower.lstrip().startswith("<!doctype html"):
        for tool, words, export in _TOOLS:
            if any(word in lower for word in words):
                return _HTML.format(tool=tool, export=export)
        return "这是网页（HTML）文件，不是扫描结果；请从扫描器导出 XML、JSON 或 CSV 格式"
    if head.kind == "xml":
        return _xml(head.root)
    if head.kind == "json":
        if '"$schema"' in lower and "sarif" in lower:
            return "这是 SARIF 格式；Nuclei 请用 -jsonl 输出 JSONL，其他工具请导出其原生 XML/JSON"
        return ""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("# Nmap ", "Starting Nmap", "Nmap scan report")):
        return "这是 nmap 的普通或 grepable 文本输出（-oN/-oG）；请用 nmap -oX 文件.xml 输出 XML"
    if stripped.lower().startswith("#masscan"):
        return "这是 masscan 的列表输出（-oL）；请用 masscan -oX 输出 XML（按 nmap 格式导入）"
    if _QUALYS_CSV.search(text[:4096]):
        return "这是 Qualys 的 CSV 导出；请以 XML 格式下载扫描结果（Scan Results）或扫描报告"
    if "this document reports on the results of an automatic security scan" in lower:
        return "这是 Greenbone/OpenVAS 的文本报告；请以 XML 或 CSV Results 格式下载报告"
    return ""


def _xml(root: str) -> str:
    if root in ("WAS_SCAN_REPORT", "WAS_WEBAPP_REPORT", "WAS_SCORECARD_REPORT"):
        return "这是 Qualys WAS（Web 应用扫描）报告，暂不支持；请导入 Qualys VM 的扫描结果或扫描报告 XML"
    if root == "issues":
        return "这是 Burp Suite 的 XML 报告，暂不支持；请把问题整理为通用 CSV 导入"
    return ""
