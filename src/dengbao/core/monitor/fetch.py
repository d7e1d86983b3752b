"""Fetch one page the way a monitor must: pinned to checked addresses, redirects followed by hand.

Why httpx: its client is asyncio-native, small, and sits on httpcore, whose network backend is a
public extension point. A backend that maps each host name to the addresses the SSRF guard has
already checked gives "resolve once, connect to what was checked" without a private API, while
the URL, the Host header, SNI and certificate checks keep the real name. aiohttp would need a
custom resolver plus its own connector pool for the same effect.

Redirects are not followed by the client: each hop goes through the guard again, so an allowed
site cannot bounce the monitor to 127.0.0.1 or the metadata endpoint.
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from .ssrf import ResolutionFailed, Resolver, TargetRefused
from .urls import BadURL, join, parse_web_url

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
# The user agents of the search engines that matter in China: cloaked dark links are served to these.
SPIDER_UAS: Mapping[str, str] = {
    "Baiduspider": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Sogou": "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "360Spider": (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/50.0.2661.102 Safari/537.36; 360Spider"
    ),
}
MAX_BODY = 5 * 1024 * 1024


@functools.lru_cache(maxsize=32)
def client_ssl_context(extra_ca_pem: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """One context per trust setting, shared by every check (building one costs milliseconds)."""
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context()
    if ctx.cert_store_stats().get("x509_ca", 0) == 0:
        import certifi

        ctx.load_verify_locations(certifi.where())
    if extra_ca_pem:
        ctx.load_verify_locations(cadata=extra_ca_pem)
    return ctx


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses pinned for a host name; any other name is refused."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._pins: dict[str, tuple[str, ...]] = {}
        self.last_address: str | None = None

    def pin(self, host: str, addresses: Iterable[str]) -> None:
        self._pins[host.lower()] = tuple(addresses)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self._pins.get(host.lower())
        if not addresses:
            raise httpcore.ConnectError(f"{host} was not checked by the SSRF guard")
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            self.last_address = address
            return stream
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never monitored")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        if hasattr(self._stream, "aclose"):
            await self._stream.aclose()


class PinnedTransport(httpx.AsyncBaseTransport):
    """httpx transport over an httpcore pool that uses a :class:`PinnedBackend`."""

    def __init__(self, backend: PinnedBackend, ssl_context: ssl.SSLContext) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, network_backend=backend, max_connections=4, retries=0
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


@dataclass(frozen=True)
class Hop:
    url: str
    status: int | None
    address: str | None


@dataclass(frozen=True)
class FetchResult:
    """What one fetch saw. ``error_kind`` is one of invalid_url, refused, dns, timeout, tls, connect,
    http, redirects."""

    url: str
    user_agent: str
    final_url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    text: str = ""
    hops: tuple[Hop, ...] = ()
    dns_seconds: float = 0.0
    seconds: float = 0.0
    address: str | None = None
    truncated: bool = False
    error: str | None = None
    error_kind: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


async def fetch(
    url: str,
    *,
    resolver: Resolver,
    user_agent: str = BROWSER_UA,
    timeout: float = 10.0,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = 5,
    ssl_context: ssl.SSLContext | None = None,
    max_body: int = MAX_BODY,
) -> FetchResult:
    """GET ``url`` and follow redirects by hand; never raises for network trouble, returns it.

    ``timeout`` bounds the whole fetch (all hops and the body), not just each socket operation, so
    a server that drips one byte a second still ends as a timeout.
    """
    started = time.perf_counter()
    state = _FetchState(url=url, user_agent=user_agent)
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(
                url,
                state,
                resolver,
                user_agent,
                timeout,
                headers,
                max_redirects,
                ssl_context,
                max_body,
                started,
            )
    except TimeoutError:
        return state.failed(f"no complete answer within {timeout:g} s", "timeout", started)


@dataclass
class _FetchState:
    url: str
    user_agent: str
    hops: list[Hop] = field(default_factory=list)
    dns_seconds: float = 0.0
    current: str = ""

    def failed(self, error: str, kind: str, started: float, status: int | None = None) -> FetchResult:
        return FetchResult(
            url=self.url,
            user_agent=self.user_agent,
            final_url=self.current or self.url,
            status=status,
            hops=tuple(self.hops),
            dns_seconds=self.dns_seconds,
            seconds=time.perf_counter() - started,
            error=error,
            error_kind=kind,
        )


async def _fetch(
    url: str,
    state: _FetchState,
    resolver: Resolver,
    user_agent: str,
    timeout: float,
    headers: Mapping[str, str] | None,
    max_redirects: int,
    ssl_context: ssl.SSLContext | None,
    max_body: int,
    started: float,
) -> FetchResult:
    backend = PinnedBackend()
    transport = PinnedTransport(backend, ssl_context or client_ssl_context())
    request_headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    request_headers.update(headers or {})
    async with httpx.AsyncClient(
        transport=transport, follow_redirects=False, timeout=timeout, headers=request_headers
    ) as client:
        try:
            target = parse_web_url(url)
        except BadURL as exc:
            return state.failed(exc.reason, "invalid_url", started)
        for _hop in range(max_redirects + 1):
            state.current = target.url
            try:
                current = httpx.URL(target.url)
            except (httpx.InvalidURL, ValueError) as exc:  # what the strict parser let through
                return state.failed(f"网址无效：{exc}", "invalid_url", started)
            try:
                resolution = await resolver.resolve(target.host, target.port)
            except TargetRefused as exc:
                return state.failed(f"refused: {exc.reason}", "refused", started)
            except ResolutionFailed as exc:
                return state.failed(str(exc), "dns", started)
            host = current.raw_host.decode("ascii")
            state.dns_seconds += resolution.seconds
            backend.pin(host, resolution.addresses)
            try:
                async with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        state.hops.append(Hop(str(current), response.status_code, backend.last_address))
                        try:
                            target = join(str(current), response.headers["location"])
                        except BadURL as exc:
                            state.current = response.headers["location"][:1000]
                            return state.failed(f"跳转地址无效：{exc.reason}", "invalid_url", started)
                        continue
                    body, truncated = await _read(response, max_body)
            except (httpx.TimeoutException, httpcore.TimeoutException) as exc:
                return state.failed(f"timeout: {exc or type(exc).__name__}", "timeout", started)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                return state.failed(f"网址无效：{exc}", "invalid_url", started)
            except (
                httpx.HTTPError,
                httpcore.ConnectError,
                httpcore.NetworkError,
                httpcore.ProtocolError,
            ) as exc:
                kind = "tls" if _is_tls_error(exc) else "connect"
                return state.failed(f"{type(exc).__name__}: {exc}", kind, started)
            except ssl.SSLError as exc:
                return state.failed(f"TLS: {exc}", "tls", started)
            state.hops.append(Hop(str(current), response.status_code, backend.last_address))
            return FetchResult(
                url=url,
                user_agent=user_agent,
                final_url=str(current),
                status=response.status_code,
                headers=dict(response.headers),
                body=body,
                text=decode_html(body, response.headers.get("content-type")),
                hops=tuple(state.hops),
                dns_seconds=state.dns_seconds,
                seconds=time.perf_counter() - started,
                address=backend.last_address,
                truncated=truncated,
            )
        return state.failed(f"more than {max_redirects} redirects", "redirects", started)


async def _read(response: httpx.Response, max_body: int) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size >= max_body:
            return b"".join(parts)[:max_body], True
    return b"".join(parts), False


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE" in str(seen).upper() or "SSL" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn", "cp936"}


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode a page as a browser would: header charset, then <meta charset>, then UTF-8, then GB18030.

    Many Chinese government and hospital sites still serve GBK/GB2312, often declared only in a
    <meta> tag; GB18030 is their superset.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    declared = None
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        declared = match.group(1) if match else None
    if declared is None:
        meta = _META_CHARSET.search(body[:4096])
        declared = meta.group(1).decode("ascii") if meta else None
    if declared:
        name = declared.lower()
        if name in _GB:
            name = "gb18030"
        try:
            return body.decode(name, "replace")
        except LookupError:
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", "replace")
