"""Small field normalisers every importer shares, so one host or URL always looks the same."""

from __future__ import annotations

import html
import ipaddress
import re
from urllib.parse import parse_qsl, urlsplit

_CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
_CWE = re.compile(r"(?:CWE[-:\s]*)?(\d+)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(?:p|li|div|h\d)>|<br\s*/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host(value: str) -> str:
    """An IP in its canonical form (IPv6 compressed, lower case) or a lower-case name."""
    value = value.strip().strip("[]")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value.lower().rstrip(".")


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def cves(*texts: str) -> tuple[str, ...]:
    """Every CVE id in the texts, upper case, in first-seen order without repeats."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _CVE.findall(text or ""):
            found[match.upper()] = None
    return tuple(found)


def cwes(*values: str) -> tuple[int, ...]:
    """CWE numbers from "79", "CWE-79", "cwe-79"; 0 and negatives (ZAP's "none") are dropped."""
    found: dict[int, None] = {}
    for value in values:
        match = _CWE.fullmatch((value or "").strip())
        if match and int(match.group(1)) > 0:
            found[int(match.group(1))] = None
    return tuple(found)


def score(value: object) -> float | None:
    """A CVSS score in 0–10, or None when absent or not a number."""
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if 0.0 <= number <= 10.0 else None


def plain(text: str) -> str:
    """HTML (ZAP's <p> paragraphs) as plain text, paragraphs kept as lines."""
    if "<" not in text and "&" not in text:
        return text.strip()
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    return _BLANK_LINES.sub("\n", text).strip()


def url_identity(url: str) -> str:
    """A URL reduced to what identifies the place: scheme, host, port, path and parameter names.

    Query values and fragments are dropped: scanners put payloads and cache busters there.
    """
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip()
    scheme = parts.scheme.lower()
    hostname = host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    query = "?" + "&".join(names) if names else ""
    return f"{scheme}://{netloc}{parts.path or '/'}{query}"


class BadPort(ValueError):
    """A port outside 1–65535 (or not a number); the message names the value, for the user."""


def port(value: object, *, what: str = "端口") -> int | None:
    """A port 1–65535 from an int or a digit string; None when empty; BadPort otherwise."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text == "":
        return None
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise BadPort(f"{what} {text[:40]!r} 无效：应为 1–65535 的整数")
    return int(text)


def url_host_port(url: str) -> tuple[str, int | None]:
    """The host and port a URL points at (the scheme's default port when none is given).

    Raises BadPort for a port outside 1–65535 ("http://h:99999/", "http://h:0/").
    """
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname or ""
    except ValueError:
        raise BadPort(f"网址 {url[:200]!r} 无效") from None
    netloc_port = parts.netloc.rpartition("@")[2]
    if netloc_port.startswith("["):
        netloc_port = netloc_port.partition("]")[2]
    given = netloc_port.rpartition(":")[2] if ":" in netloc_port else ""
    number = port(given, what=f"网址 {url[:200]!r} 中的端口")
    if number is None:
        number = _DEFAULT_PORTS.get(parts.scheme.lower())
    return host(hostname), number


def split_list(text: str) -> tuple[str, ...]:
    """Items separated by newlines, commas, semicolons (ASCII or full-width) or spaces."""
    return tuple(item for item in re.split(r"[\s,;，；、]+", text or "") if item)
