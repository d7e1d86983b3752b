"""Findings the built-in checks raise, in the importers' one Finding type.

They flow into the same findings lifecycle as imported scans; each identity is rule + host +
port, never the observed text, so the next scan reopens or closes the same finding.
"""

from __future__ import annotations

from ..importers import Finding, Severity, dedup_key
from ..monitor.tls import TLSInfo, expiry_threshold_hit

TOOL = "dengbao-scanner"
TLS_EXPIRY_WARN_DAYS = 30


def _finding(
    rule: str,
    title: str,
    severity: Severity,
    host: str,
    port: int,
    *,
    hostname: str = "",
    url: str = "",
    description: str,
    evidence: str = "",
    solution: str = "",
    cwe: tuple[int, ...] = (),
) -> Finding:
    return Finding(
        title=title,
        severity=severity,
        raw_severity=severity.value,
        tool=TOOL,
        tool_rule_id=rule,
        dedup_key=dedup_key(TOOL, rule, host, port, "tcp"),
        host=host,
        hostname=hostname,
        port=port,
        protocol="tcp",
        url=url,
        service="https" if url.startswith("https") else "http" if url else "ssl",
        cwe=cwe,
        description=description,
        evidence=evidence,
        solution=solution,
    )


def tls_findings(info: TLSInfo, *, host: str, port: int, hostname: str = "") -> list[Finding]:
    """Expired or soon-expiring, untrusted, wrong-name certificates and TLS 1.0/1.1 still accepted."""
    if info.error:
        return []
    out: list[Finding] = []
    detail = f"主题：{info.subject}；颁发者：{info.issuer}；到期：{info.not_after}"
    days = info.days_left
    if days is not None and days < 0:
        out.append(
            _finding(
                "tls.cert-expired",
                "TLS 证书已过期",
                Severity.HIGH,
                host,
                port,
                hostname=hostname,
                description=f"服务器证书已过期 {-days} 天，客户端会拒绝连接或被迫忽略告警。",
                evidence=detail,
                solution="更换有效期内的证书，并建立证书到期提醒。",
                cwe=(298,),
            )
        )
    elif days is not None and expiry_threshold_hit(days, (TLS_EXPIRY_WARN_DAYS,)) is not None:
        level = Severity.MEDIUM if days <= 7 else Severity.LOW
        out.append(
            _finding(
                "tls.cert-expiring",
                "TLS 证书即将过期",
                level,
                host,
                port,
                hostname=hostname,
                description=f"服务器证书将在 {days} 天内到期。",
                evidence=detail,
                solution="在到期前续签并部署新证书。",
            )
        )
    if not info.verified:
        out.append(
            _finding(
                "tls.cert-untrusted",
                "TLS 证书不受信任（自签名或证书链不完整）",
                Severity.MEDIUM,
                host,
                port,
                hostname=hostname,
                description=f"证书链校验失败：{info.verify_error}。用户易被中间人攻击且无从分辨。",
                evidence=detail,
                solution="使用受信任 CA 签发的证书，并完整配置中间证书。",
                cwe=(295,),
            )
        )
    if hostname and not info.hostname_match:
        out.append(
            _finding(
                "tls.cert-name-mismatch",
                "TLS 证书与域名不匹配",
                Severity.MEDIUM,
                host,
                port,
                hostname=hostname,
                description=f"证书不包含域名 {hostname}（证书名称：{', '.join(info.names)}）。",
                evidence=detail,
                solution="签发包含该域名的证书。",
                cwe=(297,),
            )
        )
    if info.weak_protocols:
        versions = "、".join(info.weak_protocols)
        out.append(
            _finding(
                "tls.weak-protocol",
                f"服务器仍接受不安全的 TLS 版本（{versions}）",
                Severity.MEDIUM,
                host,
                port,
                hostname=hostname,
                description="TLS 1.0/1.1 已被弃用（RFC 8996），存在已知攻击。",
                evidence=f"接受：{versions}；默认协商：{info.protocol}",
                solution="仅启用 TLS 1.2 及以上版本。",
                cwe=(327,),
            )
        )
    return out


# (rule, header, title, severity, solution); HSTS only matters over HTTPS.
_HEADER_RULES = (
    (
        "http.csp-missing",
        "content-security-policy",
        "缺少 Content-Security-Policy 响应头",
        Severity.MEDIUM,
        "配置 Content-Security-Policy，限制脚本与资源来源。",
    ),
    (
        "http.xfo-missing",
        "x-frame-options",
        "缺少防点击劫持响应头（X-Frame-Options）",
        Severity.MEDIUM,
        "设置 X-Frame-Options: DENY/SAMEORIGIN，或在 CSP 中设置 frame-ancestors。",
    ),
    (
        "http.xcto-missing",
        "x-content-type-options",
        "缺少 X-Content-Type-Options 响应头",
        Severity.LOW,
        "设置 X-Content-Type-Options: nosniff。",
    ),
    (
        "http.hsts-missing",
        "strict-transport-security",
        "HTTPS 站点缺少 HSTS 响应头",
        Severity.LOW,
        "设置 Strict-Transport-Security: max-age=31536000; includeSubDomains。",
    ),
)


def missing_headers(headers: dict[str, str], *, https: bool) -> list[str]:
    """Rule ids of the security headers this response lacks."""
    csp = headers.get("content-security-policy", "").lower()
    missing = []
    for rule, name, *_ in _HEADER_RULES:
        if rule == "http.hsts-missing" and not https:
            continue
        if rule == "http.xfo-missing" and "frame-ancestors" in csp:
            continue
        if rule == "http.xcto-missing" and headers.get(name, "").strip().lower() == "nosniff":
            continue
        if rule == "http.xcto-missing" or not headers.get(name, "").strip():
            missing.append(rule)
    return missing


def header_findings(
    headers: dict[str, str], *, host: str, port: int, url: str, hostname: str = ""
) -> list[Finding]:
    https = url.startswith("https:")
    wanted = set(missing_headers(headers, https=https))
    return [
        _finding(
            rule,
            title,
            severity,
            host,
            port,
            hostname=hostname,
            url=url,
            description=f"{url} 的响应未包含 {name} 安全响应头。",
            evidence="\n".join(f"{k}: {v}" for k, v in sorted(headers.items())),
            solution=solution,
            cwe=(693,),
        )
        for rule, name, title, severity, solution in _HEADER_RULES
        if rule in wanted
    ]
