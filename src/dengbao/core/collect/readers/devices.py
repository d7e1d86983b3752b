"""Network and security device configurations as collection bundles (issue 18).

Input: the text an assessor saves from ``display current-configuration`` (Huawei VRP, H3C
Comware) or ``show running-config`` (Cisco IOS, ASA), optionally followed by ``display
version`` / ``show version``; UTF-8 or GBK, CRLF or LF, pager prompts included or not.
Output: a ``Bundle`` whose platform is ``huawei``, ``h3c`` or ``cisco`` and whose artefacts
are line-oriented extracts (``key: value`` summaries and one line per user, line, ACL) that
the rules in ``rules/<vendor>.yaml`` read, plus the whole configuration with every secret
masked. A secret (plain text, cipher text or hash) never reaches an artefact.
"""

from __future__ import annotations

import hashlib
import re

from ..bundle import Bundle, BundleError
from . import device_facts as facts_mod
from .config_tree import MAX_CONFIG_BYTES, clean, decode, mask, tree
from .device_facts import Acl, Facts

READER = "dengbao-device-config 1"
PLATFORMS = ("huawei", "h3c", "cisco")

_H3C = [
    r"^version 7\.\d",
    r"^local-user \S+ class (?:manage|network)$",
    r"^password hash ",
    r"^authorization-attribute (?:user-role|level)",
    r"^password-control ",
    r"^line (?:vty|class|con|aux)\b",
    r"^ssh server enable$",
    r"^ip https? enable$",
    r"^user-role ",
    r"Comware",
    r"^service-type ",
    r"^packet-filter ",
]
_HUAWEI = [
    r"^user-interface (?:vty|con|maxnumber)\b",
    r"^local-user \S+ (?:password|privilege|service-type)\b",
    r"^stelnet server enable$",
    r"^ssh user \S+ authentication-type",
    r"^!Software Version",
    r"Huawei Versatile Routing Platform|VRP \(R\) software",
    r"^local-aaa-user ",
    r"irreversible-cipher",
    r"^(?:traffic-filter|traffic-policy) ",
]


def _count(patterns: list[str], text: str) -> int:
    return sum(1 for p in patterns if re.search(p, text, re.M))


def vendor(text: str) -> str | None:
    """huawei, h3c or cisco when the text is a device configuration; None otherwise."""
    if re.search(r"^(?:: )?ASA Version \S+", text, re.M):
        return "cisco"
    flat = "\n".join(line.strip() for line in text.split("\n"))
    if re.search(r"^sysname \S+", flat, re.M) and re.search(r"^#$", flat, re.M):
        h3c, huawei = _count(_H3C, flat), _count(_HUAWEI, flat)
        if h3c == huawei == 0:
            return None
        return "h3c" if h3c > huawei else "huawei"
    if re.search(r"^hostname \S+", text, re.M) and re.search(r"^!\s*$", text, re.M):
        signals = (
            r"^interface \S+",
            r"^line (?:vty|con)",
            r"^end$",
            r"^version \d",
            r"^(?:ip )?access-list ",
        )
        if _count(list(signals), text) >= 2:
            return "cisco"
    return None


def _binary(data: bytes) -> bool:
    head = data[:4096]
    return head.startswith((b"\x1f\x8b", b"PK\x03\x04")) or b"\x00" in head


def sniff(filename: str, data: bytes) -> bool:
    if len(data) > MAX_CONFIG_BYTES or _binary(data):
        return False
    return vendor("\n".join(clean(decode(data)))) is not None


def read(filename: str, data: bytes) -> Bundle:
    if len(data) > MAX_CONFIG_BYTES:
        raise BundleError("配置文件过大")
    lines = clean(decode(data))
    text = "\n".join(lines)
    platform = None if _binary(data) else vendor(text)
    if platform is None:
        raise BundleError("无法识别设备配置（华为 VRP、H3C Comware、Cisco IOS/ASA）")
    root = tree(lines)
    facts: Facts = getattr(facts_mod, f"facts_{platform}")(root, text)
    masked = "\n".join(mask(line) for line in lines)
    artefacts = render(facts)
    artefacts["config"] = masked
    host = {"hostname": facts.hostname, "addresses": sorted(set(facts.addresses))}
    manifest = {
        "platform": platform,
        "version": READER,
        "host": host,
        "device": {"vendor": platform, "software": facts.version},
        "source": {"file": filename[:200], "sha256": hashlib.sha256(data).hexdigest()},
        "masked_copy": "config",  # what to keep as evidence instead of the upload (it holds secrets)
        "commands": [],
    }
    return Bundle(manifest=manifest, artefacts=artefacts)


# ---------------------------------------------------------------------------------- rendering
def _list(values) -> str:
    values = [v for v in values if v]
    return ",".join(values) if values else "none"


def _where(line: int) -> str:
    return f" @L{line}" if line else ""


ADMIN_LEVELS = {"15", "3", "network-admin", "level-15", "level-3"}
WEAK = {
    "simple",
    "password",
    "password 0",
    "password 7",
    "none",
    "",
    "enable password",
    "enable password 0",
    "enable password 7",
}


def render(f: Facts) -> dict[str, str]:
    return {
        "device": _device(f),
        "accounts": _accounts(f),
        "password_policy": _kv(f.policy),
        "remote_access": _remote(f),
        "services": _services(f),
        "aaa": _kv({k: v for k, v in f.aaa.items()}),
        "snmp": _snmp(f),
        "logging": _kv(f.logging | {"banner": f.banner}),
        "acls": _acls(f),
    }


def _kv(values: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v if v != '' else 'none'}" for k, v in values.items())


def _device(f: Facts) -> str:
    return _kv(
        {"vendor": f.vendor, "hostname": f.hostname, "software": f.version, "addresses": _list(f.addresses)}
    )


def _accounts(f: Facts) -> str:
    out = [f"users: {len(f.users)}"]
    for u in f.users:
        out.append(
            f"user {u.name} level={u.level or 'default'} password={(u.form or 'none').replace(' ', '-')}"
            f" services={_list(u.services)} state={'block' if u.blocked else 'active'}{_where(u.line)}"
        )
    active = [u for u in f.users if not u.blocked]
    levels = sorted({u.level or "default" for u in active})
    weak = [u.name for u in active if u.form in WEAK]
    out += [
        f"plaintext_users: {_list(u.name for u in active if u.form in WEAK - {'', 'none'})}",
        f"nopassword_users: {_list(u.name for u in active if u.form in ('', 'none'))}",
        f"weak_form_users: {_list(weak)}",
        f"default_name_users: {_list(u.name for u in active if u.name.lower() in facts_mod.DEFAULT_NAMES)}",
        f"default_password_users: {_list(u.name for u in active if u.default_password)}",
        f"temp_users: {_list(u.name for u in active if facts_mod.TEMP_NAMES.match(u.name))}",
        f"no_service_users: {_list(u.name for u in active if f.vendor != 'cisco' and not u.services)}",
        f"levels: {_list(levels)}",
        f"distinct_levels: {len(levels)}",
        f"admin_users: {sum(1 for u in active if set(u.level.split(',')) & ADMIN_LEVELS)}",
        f"unlevelled_users: {_list(u.name for u in active if not u.level)}",
    ]
    if f.vendor == "cisco":
        out.append(f"enable_form: {f.policy.get('enable_form', 'none').replace(' ', '-')}")
        out.append(f"service_password_encryption: {f.policy.get('service_password_encryption', 'no')}")
    return "\n".join(out)


def _idle(line) -> str:
    if line.idle is None:
        return f"{facts_mod.DEFAULT_IDLE_MINUTES:g}(default)"
    return f"{line.idle:g}"


def _remote(f: Facts) -> str:
    out = []
    for ln in f.lines:
        out.append(
            f"line {ln.kind} {ln.span} protocols={ln.protocols} acl={ln.acl or 'none'} idle={_idle(ln)}"
            f" auth={ln.auth}{_where(ln.line)}"
        )
    idles = [facts_mod.DEFAULT_IDLE_MINUTES if ln.idle is None else ln.idle for ln in f.lines]
    vty = [ln for ln in f.lines if ln.kind == "vty"]
    telnet = [
        ln
        for ln in vty
        if ln.protocols in ("telnet", "all") or (f.vendor == "cisco" and ln.protocols == "default")
    ]
    # device-wide limits (H3C "ssh server acl", ASA "ssh NET MASK IF") cover every line
    device_wide = [m for m in f.mgmt_acl if not m.startswith(("vty ", "line vty "))]
    restricted = bool(device_wide) and all(" (any)" not in m for m in device_wide)
    # a line that accepts no remote protocol (transport input none) needs no address filter
    open_vty = [ln for ln in vty if not ln.acl and not restricted and ln.protocols != "none"]
    out += [
        f"lines: {len(f.lines)}",
        f"idle_max_minutes: {'never' if 0 in idles else f'{max(idles):g}' if idles else 'none'}",
        f"idle_never_lines: {_list(f'{ln.kind} {ln.span}' for ln in f.lines if ln.idle == 0)}",
        f"telnet_lines: {_list(f'{ln.kind} {ln.span}' for ln in telnet)}",
        f"auth_none_lines: {_list(f'{ln.kind} {ln.span}' for ln in f.lines if ln.auth == 'none')}",
        f"password_only_lines: {_list(f'{ln.kind} {ln.span}' for ln in f.lines if ln.auth == 'password')}",
        f"management_restrictions: {_list(f.mgmt_acl)}",
        f"unrestricted_vty: {_list(f'vty {ln.span}' for ln in open_vty)}",
    ]
    return "\n".join(out)


def _services(f: Facts) -> str:
    s = f.services
    insecure = [n for n in ("telnet", "http", "ftp", "ssh1", "small_servers") if s.get(n) == "yes"]
    return _kv(s | {"insecure": _list(insecure)})


def _snmp(f: Facts) -> str:
    s = dict(f.snmp)
    weak = [v for v in s.get("versions", "").split(",") if v in ("v1", "v2c")]
    s["weak_versions"] = _list(weak)
    return _kv(s)


_NOISE = re.compile(
    r"^(?:rule\s+\d+\s+|\d+\s+|access-list\s+\S+\s+(?:extended\s+|standard\s+)?(?:line\s+\d+\s+)?)?(?:permit|deny)\b"
)
_FILLER = {"ip", "any", "source", "destination", "log", "logging", "counting", "any4", "any6", "ipv4", "0"}


def broad(rule_text: str) -> bool:
    """A rule that names no address, port or protocol: ``permit ip any any``, ``rule 5 permit``."""
    rest = _NOISE.sub("", rule_text).split()
    return all(w in _FILLER for w in rest)


def specific(rule_text: str) -> bool:
    """A rule that names a protocol and a port or destination, not only a source."""
    t = rule_text.lower()
    proto = re.search(r"\b(?:tcp|udp|icmp|gre|esp|ospf|object-group)\b", t) is not None
    return (
        proto and re.search(r"\b(?:eq|range|destination-port|destination|gt|lt|host|object)\b", t) is not None
    )


def _final_deny(acl: Acl) -> bool:
    if not acl.rules:
        return acl.implicit_deny
    action, text = acl.rules[-1]
    if action == "deny" and broad(text):
        return True
    return acl.implicit_deny and not (action == "permit" and broad(text))


def _acls(f: Facts) -> str:
    out = []
    applied = {n: a for n, a in f.acls.items() if a.applied}
    broad_permit = [n for n, a in applied.items() if any(act == "permit" and broad(t) for act, t in a.rules)]
    no_ports = [n for n, a in applied.items() if not any(specific(t) for _, t in a.rules)]
    for name, acl in f.acls.items():
        last = acl.rules[-1][0] if acl.rules else "none"
        out.append(
            f"acl {name} rules={len(acl.rules)} last={last} final_deny={'yes' if _final_deny(acl) else 'no'}"
            f" implicit_deny={'yes' if acl.implicit_deny else 'no'}"
            f" applied={_list(acl.applied).replace(' ', '_')}"
            f"{_where(acl.line)}"
        )
    out += [
        f"applied_acls: {_list(applied)}",
        f"applied_without_final_deny: {_list(n for n, a in applied.items() if not _final_deny(a))}",
        f"applied_with_broad_permit: {_list(broad_permit)}",
        f"applied_without_ports: {_list(no_ports)}",
    ]
    return "\n".join(out)
