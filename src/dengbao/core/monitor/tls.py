"""TLS checks: certificate validity, days to expiry, hostname match, negotiated and weak versions.

The probe is separate from the page fetch because a monitor must still report the days left and
the issuer of a certificate that fails verification (an expired or self-signed certificate is
exactly what the report is for), which a verifying HTTP client cannot show.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from .results import Condition, Severity

DEFAULT_EXPIRY_THRESHOLDS = (30, 14, 7)


@dataclass(frozen=True)
class TLSInfo:
    """What one TLS probe saw. Dates are UTC; ``weak_protocols`` is ``None`` when not probed."""

    host: str
    port: int
    address: str
    protocol: str | None = None
    cipher: str | None = None
    verified: bool = False
    verify_error: str | None = None
    subject: str = ""
    issuer: str = ""
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    days_left: int | None = None
    names: tuple[str, ...] = ()
    hostname_match: bool = False
    weak_protocols: tuple[str, ...] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("not_before", "not_after"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        data["names"] = list(self.names)
        data["weak_protocols"] = None if self.weak_protocols is None else list(self.weak_protocols)
        return data


def _unverified_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# OpenSSL reports a broken chain before it looks at the name, so these codes mean "chain fine,
# only the name differs"; the name is judged separately by :func:`hostname_matches`.
_NAME_MISMATCH_CODES = {62, 63, 64}


async def _handshake(
    address: str, port: int, host: str, ctx: ssl.SSLContext, timeout: float
) -> tuple[bytes | None, str | None, str | None]:
    async with asyncio.timeout(timeout):
        _reader, writer = await asyncio.open_connection(address, port, ssl=ctx, server_hostname=host)
    try:
        sslobj = writer.get_extra_info("ssl_object")
        der = sslobj.getpeercert(binary_form=True) if sslobj else None
        cipher = writer.get_extra_info("cipher")
        return der, sslobj.version() if sslobj else None, cipher[0] if cipher else None
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        except (TimeoutError, OSError, ssl.SSLError):
            pass


async def probe(
    host: str,
    port: int,
    addresses: Sequence[str],
    *,
    trust: ssl.SSLContext,
    timeout: float = 10.0,
    check_weak: bool = True,
    now: dt.datetime | None = None,
) -> TLSInfo:
    """Handshake with the first reachable checked address; never raises for network trouble.

    ``trust`` supplies the CA certificates (the same context the page fetch used); ``addresses``
    must come from the SSRF guard.
    """
    now = now or dt.datetime.now(dt.UTC)
    last_error = "no address"
    for address in addresses:
        verify_error = None
        try:
            der, protocol, cipher = await _handshake(address, port, host, trust, timeout)
            verified = True
        except ssl.SSLCertVerificationError as exc:
            verified = exc.verify_code in _NAME_MISMATCH_CODES
            verify_error = None if verified else (exc.verify_message or str(exc))
            try:
                der, protocol, cipher = await _handshake(address, port, host, _unverified_context(), timeout)
            except (OSError, ssl.SSLError, TimeoutError) as exc2:
                last_error = f"{type(exc2).__name__}: {exc2}"
                continue
        except TimeoutError:
            last_error = f"TLS handshake did not finish within {timeout:g} s"
            continue
        except (OSError, ssl.SSLError) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            continue
        info = _describe(host, port, address, der, protocol, cipher, verified, verify_error, now)
        if check_weak:
            weak = await weak_protocols(host, port, address, timeout=timeout)
            info = TLSInfo(**{**info.__dict__, "weak_protocols": weak})
        return info
    return TLSInfo(host=host, port=port, address=addresses[0] if addresses else "", error=last_error)


def _describe(
    host: str,
    port: int,
    address: str,
    der: bytes | None,
    protocol: str | None,
    cipher: str | None,
    verified: bool,
    verify_error: str | None,
    now: dt.datetime,
) -> TLSInfo:
    if not der:
        return TLSInfo(host=host, port=port, address=address, protocol=protocol, error="no certificate sent")
    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    names = certificate_names(cert)
    return TLSInfo(
        host=host,
        port=port,
        address=address,
        protocol=protocol,
        cipher=cipher,
        verified=verified,
        verify_error=verify_error,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=not_after,
        days_left=days_left(not_after, now),
        names=names,
        hostname_match=hostname_matches(host, names),
    )


def days_left(not_after: dt.datetime, now: dt.datetime) -> int:
    """Whole days until expiry, rounded down; negative once expired."""
    return (not_after - now) // dt.timedelta(days=1)


def certificate_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The names a certificate is valid for: SAN DNS names and IPs, else the subject CN."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return tuple(str(a.value) for a in cns)
    dns = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    ips = [str(n) for n in san.get_values_for_type(x509.IPAddress)]
    return tuple(dns + ips)


def hostname_matches(host: str, names: Sequence[str]) -> bool:
    """RFC 6125 matching: exact name, or one left-most ``*`` label; IP literals match exactly."""
    host = host.rstrip(".").lower()
    if _is_ip(host):
        target = ipaddress.ip_address(host)
        return any(_is_ip(n) and ipaddress.ip_address(n) == target for n in names)
    for name in names:
        name = name.rstrip(".").lower()
        if name == host:
            return True
        if name.startswith("*.") and "*" not in name[2:]:
            head, _, rest = host.partition(".")
            if head and rest == name[2:] and rest.count(".") >= 1:
                return True
    return False


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_WEAK = (("TLSv1", "TLSv1"), ("TLSv1.1", "TLSv1_1"))


async def weak_protocols(host: str, port: int, address: str, *, timeout: float) -> tuple[str, ...] | None:
    """Which of TLS 1.0 / 1.1 the server still accepts; ``None`` if this machine cannot test them.

    OpenSSL 3 disables them at its default security level, so the probe lowers the level for
    itself only; the server's answer is what is being measured.
    """
    offered = []
    for label, attr in _WEAK:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            version = getattr(ssl.TLSVersion, attr, None)
            if version is None:
                return None
            ctx = _unverified_context()
            try:
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                ctx.minimum_version = version
                ctx.maximum_version = version
            except (ValueError, ssl.SSLError):
                return None
        try:
            _der, negotiated, _cipher = await _handshake(address, port, host, ctx, timeout)
        except (OSError, ssl.SSLError, TimeoutError):
            continue
        if negotiated == label:
            offered.append(label)
    return tuple(offered)


@dataclass(frozen=True)
class TLSRules:
    expiry_thresholds: tuple[int, ...] = DEFAULT_EXPIRY_THRESHOLDS
    require_verified: bool = True
    weak_allowed: tuple[str, ...] = field(default_factory=tuple)


def expiry_threshold_hit(days: int, thresholds: Sequence[int] = DEFAULT_EXPIRY_THRESHOLDS) -> int | None:
    """The tightest threshold that ``days`` has reached (7 before 14 before 30), or ``None``."""
    hit = [t for t in thresholds if days <= t]
    return min(hit) if hit else None


def conditions(info: TLSInfo, rules: TLSRules = TLSRules()) -> list[Condition]:
    """Verdicts for a probe: tls.handshake, tls.valid, tls.expiry, tls.hostname, tls.protocols."""
    if info.error:
        return [
            Condition(
                "tls.handshake", False, f"TLS 握手失败：{info.error}", Severity.HIGH, {"error": info.error}
            )
        ]
    out: list[Condition] = []
    if rules.require_verified:
        out.append(
            Condition(
                "tls.valid",
                info.verified,
                "证书链校验通过" if info.verified else f"证书校验失败：{info.verify_error}",
                Severity.HIGH,
                {"issuer": info.issuer, "error": info.verify_error},
            )
        )
    days = info.days_left if info.days_left is not None else -1
    hit = expiry_threshold_hit(days, rules.expiry_thresholds)
    if days < 0:
        severity, detail = Severity.CRITICAL, f"证书已过期（{-days} 天前）"
    elif hit is None:
        severity, detail = Severity.INFO, f"证书剩余 {days} 天"
    else:
        severity = Severity.HIGH if hit <= 7 else Severity.MEDIUM if hit <= 14 else Severity.LOW
        detail = f"证书剩余 {days} 天，已到 {hit} 天提醒阈值"
    out.append(
        Condition(
            "tls.expiry",
            days >= 0 and hit is None,
            detail,
            severity,
            {
                "days_left": info.days_left,
                "threshold": hit,
                "not_after": info.not_after.isoformat() if info.not_after else None,
            },
        )
    )
    out.append(
        Condition(
            "tls.hostname",
            info.hostname_match,
            "证书与域名匹配" if info.hostname_match else f"证书不包含域名 {info.host}",
            Severity.HIGH,
            {"host": info.host, "names": list(info.names)},
        )
    )
    weak = [p for p in info.weak_protocols or () if p not in rules.weak_allowed]
    if info.weak_protocols is None:
        detail = f"协商版本 {info.protocol}；本机无法检测 TLS 1.0/1.1"
    elif weak:
        detail = f"协商版本 {info.protocol}；服务器仍接受弱版本 {', '.join(weak)}"
    else:
        detail = f"协商版本 {info.protocol}；未接受 TLS 1.0/1.1"
    out.append(
        Condition(
            "tls.protocols",
            not weak,
            detail,
            Severity.MEDIUM,
            {"negotiated": info.protocol, "weak_offered": info.weak_protocols, "cipher": info.cipher},
        )
    )
    return out
