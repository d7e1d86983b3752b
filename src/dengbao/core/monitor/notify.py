"""Alert channels: payloads, signing and delivery for a generic webhook, 钉钉, 企业微信, 飞书 and e-mail.

Builders are pure (message in, request out) so the test button, the scheduler and the tests share
them; delivery goes through the same SSRF-pinned transport as the checks, since a webhook URL is
user input too. Signing follows each robot's documented scheme:
- 钉钉: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}")))`` as
  query parameters ``timestamp`` and ``sign``;
- 飞书: ``sign = base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b""))`` in the JSON body;
- generic webhook: ``X-Dengbao-Signature: sha256=<hex HMAC of the body>`` with a timestamp header.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import httpcore
import httpx

from .alerts import AlertMessage
from .fetch import PinnedBackend, PinnedTransport, client_ssl_context
from .ssrf import ResolutionFailed, Resolver, TargetPolicy, TargetRefused
from .urls import BadURL, parse_web_url


@dataclass(frozen=True)
class OutgoingRequest:
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    answer: str = "status"  # how to read the reply: status, dingtalk/wecom (errcode), feishu (code)


@dataclass(frozen=True)
class Delivery:
    """What a receiver made of a message: never its reply's text (see ``_read_answer``)."""

    ok: bool
    channel: str
    detail: str
    status: int | None = None
    seconds: float | None = None  # from the start of the delivery to its answer (or failure)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _with_query(url: str, extra: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    # the DingTalk sign is already URL-encoded, as its documentation shows
    encoded = urlencode([(k, v) for k, v in query if k != "sign"])
    if "sign" in extra:
        encoded += f"&sign={extra['sign']}"
    return urlunsplit(parts._replace(query=encoded))


def build_webhook(
    url: str, message: AlertMessage, *, secret: str | None = None, now: float | None = None
) -> OutgoingRequest:
    body = _json({"source": "dengbao", "title": message.title, "text": message.text(), **message.to_dict()})
    headers = dict(_JSON)
    if secret:
        stamp = str(int(now if now is not None else time.time()))
        headers["X-Dengbao-Timestamp"] = stamp
        headers["X-Dengbao-Signature"] = webhook_signature(secret, stamp, body)
    return OutgoingRequest(url, body, headers)


def build_dingtalk(
    url: str,
    message: AlertMessage,
    *,
    secret: str | None = None,
    at_mobiles: Sequence[str] = (),
    now_ms: int | None = None,
) -> OutgoingRequest:
    if secret:
        stamp = now_ms if now_ms is not None else int(time.time() * 1000)
        url = _with_query(url, {"timestamp": str(stamp), "sign": dingtalk_sign(secret, stamp)})
    text = message.markdown() + "".join(f" @{m}" for m in at_mobiles)
    body = _json(
        {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": text},
            "at": {"atMobiles": list(at_mobiles), "isAtAll": False},
        }
    )
    return OutgoingRequest(url, body, _JSON, "errcode")


def build_wecom(url: str, message: AlertMessage, *, mentioned_mobiles: Sequence[str] = ()) -> OutgoingRequest:
    if mentioned_mobiles:  # mentions work only in text messages
        payload = {
            "msgtype": "text",
            "text": {"content": message.text(), "mentioned_mobile_list": list(mentioned_mobiles)},
        }
    else:
        payload = {"msgtype": "markdown", "markdown": {"content": message.markdown()}}
    return OutgoingRequest(url, _json(payload), _JSON, "errcode")


def build_feishu(
    url: str, message: AlertMessage, *, secret: str | None = None, now_s: int | None = None
) -> OutgoingRequest:
    payload: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text()}}
    if secret:
        stamp = now_s if now_s is not None else int(time.time())
        payload = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **payload}
    return OutgoingRequest(url, _json(payload), _JSON, "code")


def build_email(message: AlertMessage, *, sender: str, recipients: Sequence[str]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail.set_content(message.text())
    return mail


def _read_answer(kind: str, status: int, content: bytes) -> tuple[bool, str]:
    """Whether the receiver took the message, and what to say about it.

    Only the status code and, for the robots, the numeric result code are reported, never the
    reply's text: a channel's test button must not become a way to read what an internal address
    answers.
    """
    if not 200 <= status < 300:
        return False, f"HTTP {status}"
    if kind == "status":
        return True, f"HTTP {status}"
    try:
        data = json.loads(content or b"{}")
    except ValueError:
        return False, f"HTTP {status}，应答不是 JSON"
    code = data.get(kind, data.get("StatusCode")) if isinstance(data, dict) else None
    if isinstance(code, bool) or not isinstance(code, int):
        return False, f"HTTP {status}，应答中没有 {kind}"
    return code == 0, f"HTTP {status}，{kind}={code}"


MAX_ANSWER = 64 * 1024  # enough for any robot's JSON answer


async def _head(response: httpx.Response, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(parts)[:limit]


def _since(started: float) -> float:
    return time.perf_counter() - started


async def post(
    request: OutgoingRequest, *, policy: TargetPolicy, channel: str, timeout: float = 10.0
) -> Delivery:
    """POST through the SSRF guard (no redirects followed); never raises for network trouble.

    The result holds the status code and the time taken, never the reply's body.
    """
    started = time.perf_counter()
    try:
        target = parse_web_url(request.url)
        url = httpx.URL(target.url)
    except BadURL as exc:
        return Delivery(False, channel, f"接收地址无效：{exc.reason}")
    except (httpx.InvalidURL, ValueError) as exc:
        return Delivery(False, channel, f"接收地址无效：{exc}")
    resolver = Resolver(policy)
    try:
        resolution = await resolver.resolve(target.host, target.port)
    except (TargetRefused, ResolutionFailed) as exc:
        return Delivery(False, channel, f"refused: {exc}")
    backend = PinnedBackend()
    backend.pin(url.raw_host.decode("ascii"), resolution.addresses)
    transport = PinnedTransport(backend, client_ssl_context())
    try:
        async with httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False) as client:
            async with asyncio.timeout(timeout):
                request_headers = dict(request.headers)
                async with client.stream(
                    "POST", url, content=request.body, headers=request_headers
                ) as response:
                    content = await _head(response, MAX_ANSWER)
    except TimeoutError:
        return Delivery(False, channel, f"超时（{timeout:g} 秒内没有应答）", seconds=_since(started))
    except (
        httpx.HTTPError,
        httpx.InvalidURL,
        httpcore.TimeoutException,
        httpcore.NetworkError,
        ssl.SSLError,
    ) as exc:
        return Delivery(False, channel, type(exc).__name__, seconds=_since(started))
    ok, detail = _read_answer(request.answer, response.status_code, content)
    return Delivery(ok, channel, detail, response.status_code, _since(started))


@dataclass(frozen=True)
class WebhookChannel:
    url: str
    secret: str | None = None
    kind: str = "webhook"


@dataclass(frozen=True)
class DingTalkChannel:
    url: str
    secret: str | None = None
    at_mobiles: tuple[str, ...] = ()
    kind: str = "dingtalk"


@dataclass(frozen=True)
class WeComChannel:
    url: str
    mentioned_mobiles: tuple[str, ...] = ()
    kind: str = "wecom"


@dataclass(frozen=True)
class FeishuChannel:
    url: str
    secret: str | None = None
    kind: str = "feishu"


@dataclass(frozen=True)
class EmailChannel:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    kind: str = "email"


Channel = WebhookChannel | DingTalkChannel | WeComChannel | FeishuChannel | EmailChannel


def build(channel: Channel, message: AlertMessage) -> OutgoingRequest:
    if isinstance(channel, DingTalkChannel):
        return build_dingtalk(channel.url, message, secret=channel.secret, at_mobiles=channel.at_mobiles)
    if isinstance(channel, WeComChannel):
        return build_wecom(channel.url, message, mentioned_mobiles=channel.mentioned_mobiles)
    if isinstance(channel, FeishuChannel):
        return build_feishu(channel.url, message, secret=channel.secret)
    if isinstance(channel, WebhookChannel):
        return build_webhook(channel.url, message, secret=channel.secret)
    raise TypeError(f"{channel!r} is not an HTTP channel")


async def send(
    channel: Channel, message: AlertMessage, *, policy: TargetPolicy, timeout: float = 10.0
) -> Delivery:
    """Deliver one message on one channel (also what a channel's test button calls)."""
    if isinstance(channel, EmailChannel):
        return await send_email(channel, message, policy=policy, timeout=timeout)
    return await post(build(channel, message), policy=policy, channel=channel.kind, timeout=timeout)


async def send_email(
    channel: EmailChannel, message: AlertMessage, *, policy: TargetPolicy, timeout: float = 10.0
) -> Delivery:
    """SMTP through the standard library, in a thread; the server address passes the SSRF guard first."""
    started = time.perf_counter()
    try:
        resolution = await Resolver(policy).resolve(channel.host, channel.port)
    except (TargetRefused, ResolutionFailed) as exc:
        return Delivery(False, "email", f"refused: {exc}")
    mail = build_email(message, sender=channel.sender, recipients=channel.recipients)

    def deliver() -> None:
        context = ssl.create_default_context()
        smtp_class = _pinned_smtp(
            smtplib.SMTP_SSL if channel.use_ssl else smtplib.SMTP, resolution.addresses[0]
        )
        kwargs: dict[str, Any] = {"timeout": timeout}
        if channel.use_ssl:
            kwargs["context"] = context
        with smtp_class(channel.host, channel.port, **kwargs) as smtp:
            smtp.ehlo()
            if channel.starttls and not channel.use_ssl:
                smtp.starttls(context=context)
                smtp.ehlo()
            if channel.username:
                smtp.login(channel.username, channel.password or "")
            smtp.send_message(mail)

    try:
        await asyncio.to_thread(deliver)
    except smtplib.SMTPResponseException as exc:  # the server's code, not its text
        detail = f"{type(exc).__name__}，SMTP {exc.smtp_code}"
        return Delivery(False, "email", detail, seconds=_since(started))
    except (OSError, smtplib.SMTPException) as exc:
        return Delivery(False, "email", type(exc).__name__, seconds=_since(started))
    return Delivery(True, "email", f"已发送给 {len(channel.recipients)} 个收件人", seconds=_since(started))


def _pinned_smtp(base: type[smtplib.SMTP], address: str) -> type[smtplib.SMTP]:
    """An SMTP class that connects to the checked ``address`` while TLS still checks the host name."""

    class Pinned(base):  # type: ignore[valid-type,misc]
        def _get_socket(self, host: str, port: int, timeout: float) -> Any:
            return super()._get_socket(address, port, timeout)

    return Pinned
