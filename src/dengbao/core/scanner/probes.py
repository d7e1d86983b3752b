"""What an open port is: the banner it sends, an HTTP answer to a harmless GET, TLS if it speaks it.

Order matters for politeness and speed: listen first (SSH, SMTP, FTP, MySQL announce
themselves), then ask ``GET /`` (web servers wait for the client), and only if the port stays
silent or hangs up try a TLS handshake. Known TLS ports go straight to the handshake. Every
connection asks the guard first.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field, replace

from ..importers import Finding
from ..monitor import tls
from . import findings, services
from .guard import Guard
from .results import OpenPort

MAX_BANNER = 1024
MAX_HEAD = 16384
BANNER_WAIT = 1.0  # how long a service gets to speak first


@dataclass
class Inspection:
    open_port: OpenPort
    findings: list[Finding] = field(default_factory=list)


def _unverified() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def _exchange(
    guard: Guard,
    address: str,
    port: int,
    *,
    send: bytes = b"",
    wait: float,
    timeout: float,
    tls_name: str = "",
    until_headers: bool = False,
) -> bytes | None:
    """Connect (plain or TLS), optionally send, read what comes; ``None`` if the connection failed."""
    guard.admit(address)
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                address, port, ssl=_unverified() if tls_name else None, server_hostname=tls_name or None
            )
    except (OSError, ssl.SSLError, TimeoutError):
        return None
    data = b""
    try:
        if send:
            writer.write(send)
            await writer.drain()
        limit = MAX_HEAD if until_headers else MAX_BANNER
        async with asyncio.timeout(wait):
            while len(data) < limit:
                chunk = await reader.read(limit - len(data))
                if not chunk:
                    break
                data += chunk
                if not until_headers or b"\r\n\r\n" in data:
                    break
    except (OSError, ssl.SSLError, TimeoutError):
        pass
    finally:
        writer.close()
        try:
            async with asyncio.timeout(1.0):
                await writer.wait_closed()
        except (OSError, ssl.SSLError, TimeoutError):
            pass
    return data


def _http_request(host: str) -> bytes:
    return (
        f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: dengbao-scanner/1\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode("ascii", "replace")


def parse_head(data: bytes) -> tuple[str, dict[str, str]] | None:
    """(status line, headers with lower-case names) of an HTTP response, or ``None``."""
    if not data.startswith(b"HTTP/"):
        return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("iso-8859-1")
    status, *lines = head.split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return status, headers


def _printable(data: bytes) -> str:
    text = data[:MAX_BANNER].decode("utf-8", "replace")
    return "".join(c if c.isprintable() or c in "\r\n\t" else "." for c in text).strip()


async def inspect_port(
    guard: Guard, address: str, port: int, *, hostname: str = "", timeout: float = 5.0
) -> Inspection:
    """Banner, service guess, TLS facts and HTTP security headers for one open port."""
    name = hostname or address
    wait = min(timeout, BANNER_WAIT)
    if port not in services.TLS_PORTS:
        first = b""
        if port not in services.HTTP_PORTS:
            first = await _exchange(guard, address, port, wait=wait, timeout=timeout) or b""
        if first and not first.startswith(b"HTTP/"):
            guess = services.from_banner(first, port)
            return Inspection(
                OpenPort(
                    address,
                    port,
                    service=guess.service,
                    banner=_printable(first),
                    hostname=hostname,
                    product=guess.product,
                    version=guess.version,
                )
            )
        reply = first or await _exchange(
            guard, address, port, send=_http_request(name), wait=timeout, timeout=timeout, until_headers=True
        )
        if reply:
            return _http_result(address, port, hostname, reply, url=f"http://{_authority(name, port, 80)}/")
    tls_result = await _tls(guard, address, port, hostname=hostname, timeout=timeout)
    if tls_result is not None:
        return tls_result
    return Inspection(OpenPort(address, port, service=services.by_port(port), hostname=hostname))


def _authority(name: str, port: int, default: int) -> str:
    host = f"[{name}]" if ":" in name else name
    return host if port == default else f"{host}:{port}"


def _http_result(address: str, port: int, hostname: str, reply: bytes, *, url: str) -> Inspection:
    parsed = parse_head(reply)
    if parsed is None:
        guess = services.from_banner(reply, port)
        return Inspection(
            OpenPort(
                address,
                port,
                service=guess.service,
                banner=_printable(reply),
                hostname=hostname,
                product=guess.product,
                version=guess.version,
            )
        )
    status, headers = parsed
    service = "https" if url.startswith("https:") else "http"
    guess = services.from_server_header(headers.get("server", ""), service)
    found = findings.header_findings(headers, host=address, port=port, url=url, hostname=hostname)
    return Inspection(
        OpenPort(
            address,
            port,
            service=service,
            banner=status,
            headers=headers,
            hostname=hostname,
            product=guess.product,
            version=guess.version,
        ),
        found,
    )


async def _tls(guard: Guard, address: str, port: int, *, hostname: str, timeout: float) -> Inspection | None:
    """TLS facts through the monitor's probe (verification, expiry, TLS 1.0/1.1), then HTTPS headers."""
    guard.admit(address)
    info = await tls.probe(
        hostname or address, port, [address], trust=ssl.create_default_context(), timeout=timeout
    )
    if info.error:
        return None
    found = findings.tls_findings(info, host=address, port=port, hostname=hostname)
    name = hostname or address
    reply = await _exchange(
        guard,
        address,
        port,
        send=_http_request(name),
        wait=timeout,
        timeout=timeout,
        tls_name=name,
        until_headers=True,
    )
    if reply and reply.startswith(b"HTTP/"):
        result = _http_result(address, port, hostname, reply, url=f"https://{_authority(name, port, 443)}/")
        result.open_port = replace(result.open_port, tls=info)
        result.findings[:0] = found
        return result
    service = services.by_port(port)
    service = service if service.endswith("s") and service != "unknown" else f"ssl/{service}"
    return Inspection(
        OpenPort(
            address, port, service=service, tls=info, hostname=hostname, banner=_printable(reply or b"")
        ),
        found,
    )
