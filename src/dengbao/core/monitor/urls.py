"""Strict parsing of the URLs and host names the platform sends requests to.

Monitors, alert channels and redirects bring URLs from people and from remote servers. The HTTP
library accepts far more than a person means (``http://2130706433/``, ``0x7f.1``, ``a.com:+80``,
``user@evil@host``, percent-encoded host names) and raises an untyped error on others
(``http://0177.0.0.1:1/``). So every URL goes through :func:`parse_web_url` first, at save time
and again at every hop: one rule, one Chinese message naming what is wrong, and the host name that
reaches the resolver is the one that was checked.

IPv4 addresses are accepted only in dotted-decimal form with four parts (``192.0.2.10``): the
octal, hexadecimal, short and single-integer forms that C resolvers still understand are refused,
not reinterpreted, because a person reading ``0177.0.0.1`` does not see ``127.0.0.1``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import idna

MAX_URL = 1000
_SCHEMES = {"http": 80, "https": 443}
_DECIMAL_OCTET = re.compile(r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_ASCII_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT = re.compile(r"[0-9]{1,5}")


class BadURL(ValueError):
    """A URL or host name that is not a plain http(s) address; ``reason`` is for people (Chinese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebURL:
    url: str  # as given, stripped, scheme lower-cased
    scheme: str
    host: str  # ASCII: an IP address (IPv6 without brackets) or an IDNA-encoded name
    port: int  # explicit or the scheme's default
    is_ip: bool


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def looks_numeric(name: str) -> bool:
    """Whether a resolver would read ``name`` as an IPv4 address (its last label is a number)."""
    last = name.rstrip(".").rsplit(".", 1)[-1]
    return bool(_NUMERIC_LABEL.fullmatch(last))


def _ipv4(text: str) -> str:
    parts = text.split(".")
    if len(parts) == 4 and all(_DECIMAL_OCTET.fullmatch(p) for p in parts):
        return text
    raise BadURL(
        f"“{_short(text)}”不是有效的 IP 地址写法：只接受四段十进制（如 192.0.2.10），"
        "不接受八进制、十六进制、缩写或整数写法"
    )


def _name(text: str) -> str:
    """An IDNA-encoded, lower-case host name, or BadURL with the reason."""
    name = text.rstrip(".").lower()
    if not name or len(name) > 253:
        raise BadURL(f"“{_short(text)}”不是有效的主机名")
    if any(c in name for c in "%\\/@:?#[] \t"):
        raise BadURL(f"主机名“{_short(text)}”含有不允许的字符")
    if not name.isascii():
        try:
            name = idna.encode(name).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise BadURL(f"“{_short(text)}”不是有效的国际化域名") from None
    for label in name.split("."):
        if not _ASCII_LABEL.fullmatch(label):
            raise BadURL(f"主机名“{_short(text)}”中的“{_short(label)}”不是有效的域名标签")
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError):
                raise BadURL(f"“{_short(text)}”不是有效的国际化域名") from None
    if len(name) > 253:
        raise BadURL(f"“{_short(text)}”不是有效的主机名")
    return name


def check_host(text: str, *, wildcard: bool = False) -> str:
    """A host as a person lists it (an allowed host, an SMTP server): the normalised form.

    ``wildcard`` accepts ``*.example.org``. IPv6 addresses may be written with or without brackets.
    """
    host = (text or "").strip()
    if wildcard and host.startswith("*."):
        rest = check_host(host[2:])
        if is_ip_literal(rest):
            raise BadURL(f"“{_short(host)}”：通配符只能用于域名")
        return "*." + rest
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in inner and "%" in inner:
        raise BadURL("不接受带网卡标识（%）的 IPv6 地址")
    if ":" in inner:
        try:
            return str(ipaddress.IPv6Address(inner))
        except ValueError:
            raise BadURL(f"“{_short(host)}”不是有效的 IPv6 地址") from None
    if looks_numeric(inner):
        return _ipv4(inner.rstrip("."))
    return _name(inner)


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def parse_web_url(text: str) -> WebURL:
    """An absolute http(s) URL, checked strictly; BadURL names what is wrong."""
    if not isinstance(text, str):
        raise BadURL("网址必须是文本")
    url = text.strip()
    if not url:
        raise BadURL("网址为空")
    if len(url) > MAX_URL:
        raise BadURL(f"网址超过 {MAX_URL} 个字符")
    if any(ord(c) < 0x21 or c in "\\\x7f" for c in url):
        raise BadURL(f"网址“{_short(url)}”含有空白、控制字符或反斜杠")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _SCHEMES:
        raise BadURL(f"只能使用 http:// 或 https:// 网址（“{_short(url)}”）")
    url = scheme + "://" + rest
    try:
        parts = urlsplit(url)
    except ValueError:
        raise BadURL(f"网址“{_short(url)}”无效") from None
    netloc = parts.netloc
    if "@" in netloc:
        raise BadURL("网址中不能包含用户名或密码（“@”之前的部分）")
    if not netloc:
        raise BadURL(f"网址“{_short(url)}”没有主机名")
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise BadURL(f"网址“{_short(url)}”中的 IPv6 地址缺少“]”")
        host_text, after = netloc[: end + 1], netloc[end + 1 :]
        if after and not after.startswith(":"):
            raise BadURL(f"网址“{_short(url)}”的主机部分无效")
        port_text = after[1:] if after else None
    else:
        host_text, colon, port_text_raw = netloc.partition(":")
        port_text = port_text_raw if colon else None
    port = _SCHEMES[scheme]
    if port_text:
        if not _PORT.fullmatch(port_text) or not 1 <= int(port_text) <= 65535:
            raise BadURL(f"网址“{_short(url)}”的端口“{_short(port_text)}”无效（应为 1–65535）")
        port = int(port_text)
    if not host_text:
        raise BadURL(f"网址“{_short(url)}”没有主机名")
    if host_text.startswith("[") and not host_text.endswith("]"):
        raise BadURL(f"网址“{_short(url)}”的主机部分无效")
    if host_text.startswith("[") and "%" in host_text:
        raise BadURL("不接受带网卡标识（%）的 IPv6 地址")
    host = check_host(host_text)
    return WebURL(url=url, scheme=scheme, host=host, port=port, is_ip=is_ip_literal(host))


def join(base: str, location: str) -> WebURL:
    """Where a redirect's ``Location`` points, from the page at ``base``, checked like any URL."""
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in location):
        raise BadURL("跳转地址含有控制字符或反斜杠")
    try:
        target = urljoin(base, location.strip())
    except ValueError:
        raise BadURL(f"跳转地址“{_short(location)}”无效") from None
    return parse_web_url(target)
