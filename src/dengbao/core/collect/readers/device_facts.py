"""What a device configuration says about the checks, per vendor, as plain facts.

Each ``facts_*`` function reads the (unmasked) indentation tree and fills a ``Facts``;
``devices.py`` renders the facts as line-oriented artefacts the rules read. Secrets
never reach the facts: only their form (``irreversible-cipher``, ``simple``, ``secret 9``).
Defaults the configuration does not print (an idle timeout of 10 minutes on all three
vendors, Cisco's implicit final deny) are filled in and marked ``default``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .config_tree import Node, walk

DEFAULT_IDLE_MINUTES = 10.0
DEFAULT_NAMES = {"admin", "root", "huawei", "h3c", "cisco"}  # factory accounts of the three vendors
DEFAULT_PASSWORDS = {
    "admin",
    "admin@huawei.com",
    "admin@123",
    "huawei@123",
    "h3c",
    "cisco",
    "password",
    "123456",
}
TEMP_NAMES = re.compile(r"^(?:test|temp|tmp|guest|demo|user)\d*$", re.I)
WEAK_FORMS = {"simple", "password 0", "password 7", "password", "enable password", "none"}


@dataclass
class User:
    name: str
    line: int
    level: str = ""  # privilege level or user role
    form: str = ""  # how the password is stored; "" when the user has none
    services: list[str] = field(default_factory=list)
    blocked: bool = False
    default_password: bool = False


@dataclass
class Line:
    kind: str  # vty | console | aux
    span: str
    line: int
    protocols: str = "default"  # ssh | telnet | all | none | default
    acl: str = ""
    idle: float | None = None  # minutes; 0 = never
    auth: str = "default"  # aaa | password | none | default


@dataclass
class Acl:
    name: str
    line: int
    rules: list[tuple[str, str]] = field(default_factory=list)  # (action, rule text)
    implicit_deny: bool = False
    applied: list[str] = field(default_factory=list)


@dataclass
class Facts:
    vendor: str
    hostname: str = ""
    version: str = ""
    addresses: list[str] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    policy: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    aaa: dict[str, str] = field(default_factory=dict)
    snmp: dict[str, str] = field(default_factory=dict)
    logging: dict[str, str] = field(default_factory=dict)
    acls: dict[str, Acl] = field(default_factory=dict)
    mgmt_acl: list[str] = field(default_factory=list)  # ACLs or networks limiting management access
    banner: str = "no"


def _minutes(args: str) -> float | None:
    parts = [int(p) for p in re.findall(r"\d+", args)[:2]]
    if not parts:
        return None
    return parts[0] + (parts[1] / 60 if len(parts) > 1 else 0)


def _acl(facts: Facts, name: str, line: int) -> Acl:
    return facts.acls.setdefault(name, Acl(name, line))


def _apply(facts: Facts, name: str, where: str) -> None:
    _acl(facts, name, 0).applied.append(where)


def _interfaces(root: Node, facts: Facts, addr: str, filters: list[str]) -> None:
    for node in root.children:
        m = re.match(r"interface\s+(\S+)", node.text)
        if not m:
            continue
        for c in node.children:
            a = re.match(addr, c.text)
            if a:
                facts.addresses.append(a.group(1))
            for pattern in filters:
                fm = re.match(pattern, c.text)
                if fm:
                    _apply(facts, fm.group("acl"), f"{m.group(1)} {fm.group('dir')}")


# ------------------------------------------------------------------------------ Huawei VRP
def facts_huawei(root: Node, text: str) -> Facts:
    f = Facts("huawei")
    f.version = _version(text, r"VRP \(R\) software, Version (\S+ \([^)]*\))") or _version(
        text, r"^!Software Version (\S+)"
    )
    users: dict[str, User] = {}
    f.logging.update(enabled="yes", timestamp="date", loghosts="", ntp="")
    f.services.update(telnet="no", ssh="no", ssh1="no", http="no", https="no", ftp="no")
    for node in walk(root):
        t = node.text
        if m := re.match(r"sysname\s+(.+)", t):
            f.hostname = m.group(1).strip()
        elif m := re.match(r"local-user\s+(\S+)\s+password\s+(irreversible-cipher|cipher|simple)\b", t):
            users.setdefault(m.group(1), User(m.group(1), node.line)).form = m.group(2)
            if m.group(2) == "simple":
                users[m.group(1)].default_password = t.split()[-1].lower() in DEFAULT_PASSWORDS
        elif m := re.match(r"local-user\s+(\S+)\s+(?:privilege\s+)?level\s+(\d+)", t):  # VRP8: "level 3"
            users.setdefault(m.group(1), User(m.group(1), node.line)).level = m.group(2)
        elif m := re.match(r"local-user\s+(\S+)\s+service-type\s+(.+)", t):
            users.setdefault(m.group(1), User(m.group(1), node.line)).services = m.group(2).split()
        elif m := re.match(r"local-user\s+(\S+)\s+state\s+block", t):
            users.setdefault(m.group(1), User(m.group(1), node.line)).blocked = True
        elif m := re.match(
            r"local-aaa-user\s+wrong-password\s+retry-interval\s+(\d+)\s+retry-time\s+(\d+)\s+block-time\s+(\d+)",
            t,
        ):
            f.policy.update(lockout_attempts=m.group(2), lockout_minutes=f"{m.group(3)} 分钟")
        elif t == "undo local-aaa-user wrong-password":
            f.policy["lockout_attempts"] = "disabled"
        elif t == "local-aaa-user password policy administrator":
            f.policy["policy"] = "enabled"
            for c in node.children:
                if m := re.match(r"password expire (\d+)", c.text):
                    f.policy["aging_days"] = m.group(1)
                elif m := re.match(r"password history record number (\d+)", c.text):
                    f.policy["history"] = m.group(1)
        elif t in ("telnet server enable", "telnet ipv6 server enable"):
            f.services["telnet"] = "yes"
        elif t == "stelnet server enable":
            f.services["ssh"] = "yes"
        elif t == "ssh server compatible-ssh1x enable":
            f.services["ssh1"] = "yes"
        elif t == "http server enable":
            f.services["http"] = "yes"
        elif t == "http secure-server enable":
            f.services["https"] = "yes"
        elif t in ("ftp server enable", "ftp ipv6 server enable"):
            f.services["ftp"] = "yes"
        elif m := re.match(r"ssh user\s+(\S+)\s+authentication-type\s+(\S+)", t):
            f.aaa[f"ssh_user_{m.group(1)}"] = m.group(2)
        elif m := re.match(r"(?:hwtacacs|radius)-server\s+template\s+(\S+)", t):
            f.aaa["remote_servers"] = (f.aaa.get("remote_servers", "") + " " + m.group(1)).strip()
        elif t == "undo info-center enable":
            f.logging["enabled"] = "no"
        elif m := re.match(r"info-center loghost\s+(?:source\s+\S+\s+)?(\S+)", t):
            f.logging["loghosts"] = (f.logging["loghosts"] + " " + m.group(1)).strip()
        elif m := re.match(r"info-center timestamp log\s+(\S+)", t):
            f.logging["timestamp"] = m.group(1)
        elif m := re.match(r"ntp-service unicast-(?:server|peer)\s+(?:ipv6\s+)?(\S+)", t):
            f.logging["ntp"] = (f.logging["ntp"] + " " + m.group(1)).strip()
        elif re.match(r"header (?:login|shell)", t):
            f.banner = "yes"
        elif m := re.match(r"acl\s+(?:number\s+)?(\d+)", t) or re.match(r"acl\s+name\s+(\S+)", t):
            acl = _acl(f, m.group(1), node.line)
            for c in node.children:
                if rm := re.match(r"rule\s+\d+\s+(permit|deny)\b", c.text):
                    acl.rules.append((rm.group(1), c.text))
        elif m := re.match(r"user-interface\s+(vty|con|console|aux)\s+(.+)", t):
            f.lines.append(_vrp_line(node, m.group(1), m.group(2)))
    f.users = list(users.values())
    _snmp_agent(root, f)
    _interfaces(
        root,
        f,
        r"ip address\s+(\d+\.\d+\.\d+\.\d+)",
        [r"traffic-filter\s+(?P<dir>inbound|outbound)\s+acl\s+(?:name\s+)?(?P<acl>\S+)"],
    )
    for line in f.lines:
        if line.kind == "vty" and line.acl:
            f.mgmt_acl.append(f"vty {line.span}: acl {line.acl}")
    f.aaa["two_factor"] = _two_factor(
        f.aaa, ("password-rsa", "password-ecc", "password-dsa", "password-x509v3-rsa")
    )
    return f


def _vrp_line(node: Node, kind: str, span: str) -> Line:
    line = Line("console" if kind in ("con", "console") else kind, span.strip(), node.line)
    for c in node.children:
        if m := re.match(r"protocol inbound\s+(\S+)", c.text):
            line.protocols = m.group(1)
        elif m := re.match(r"acl\s+(?:ipv6\s+)?(\S+)\s+inbound", c.text):
            line.acl = m.group(1)
        elif m := re.match(r"idle-timeout\s+(.+)", c.text):
            line.idle = _minutes(m.group(1))
        elif m := re.match(r"authentication-mode\s+(\S+)", c.text):
            line.auth = {"scheme": "aaa"}.get(m.group(1), m.group(1))
    return line


def _snmp_agent(root: Node, f: Facts) -> None:
    """Huawei and H3C share the snmp-agent command family."""
    versions: list[str] = []
    communities = 0
    defaults: list[str] = []
    priv = nopriv = 0
    enabled = False
    for node in walk(root):
        t = node.text
        if not t.startswith("snmp-agent"):
            continue
        enabled = enabled or t == "snmp-agent" or "sys-info version" in t or "community" in t
        if m := re.match(r"snmp-agent sys-info version\s+(.+)", t):
            versions = m.group(1).split()
        elif m := re.match(r"snmp-agent community\s+(?:read|write)\s+(?:(simple|cipher)\s+)?(\S+)", t):
            communities += 1
            if m.group(1) != "cipher" and m.group(2).lower() in ("public", "private"):
                defaults.append(m.group(2))
        elif m := re.match(r"snmp-agent group\s+v3\s+\S+\s+(privacy|authentication|noauthentication)?", t):
            if m.group(1) == "privacy":
                priv += 1
            else:
                nopriv += 1
    if versions == ["all"]:
        versions = ["v1", "v2c", "v3"]
    if enabled and not versions:
        versions = ["v3"]  # VRP and Comware default to SNMPv3 only
    f.snmp.update(
        enabled="yes" if enabled else "no",
        versions=",".join(versions) or "none",
        communities=str(communities),
        default_communities=",".join(defaults) or "none",
        v3_priv_groups=str(priv),
        v3_nopriv_groups=str(nopriv),
    )


def _two_factor(aaa: dict[str, str], combined: tuple[str, ...]) -> str:
    kinds = [v for k, v in aaa.items() if k.startswith("ssh_user_")]
    if kinds and all(k in combined for k in kinds):
        return "yes"
    return "no"


def _version(text: str, pattern: str) -> str:
    m = re.search(pattern, text, re.M)
    return next((g for g in m.groups() if g), "") if m else ""


# ------------------------------------------------------------------------------ H3C Comware
def facts_h3c(root: Node, text: str) -> Facts:
    f = Facts("h3c")
    f.version = _version(text, r"Comware Software, Version ([^\n]+)") or _version(
        text, r"^ ?version (\d[\d.]*(?:, Release \S+)?)"
    )
    f.logging.update(enabled="yes", timestamp="date", loghosts="", ntp="")
    f.services.update(telnet="no", ssh="no", ssh1="no", http="no", https="no", ftp="no")
    for node in walk(root):
        t = node.text
        if m := re.match(r"sysname\s+(.+)", t):
            f.hostname = m.group(1).strip()
        elif m := re.match(r"local-user\s+(\S+)(?:\s+class\s+(manage|network))?$", t):
            if m.group(2) == "network":
                continue  # network-access users (802.1X, portal) do not manage the device
            f.users.append(_h3c_user(node, m.group(1)))
        elif m := re.match(r"password-control\s+(length|aging|history)\s+(\d+)", t):
            f.policy[{"length": "min_length", "aging": "aging_days", "history": "history"}[m.group(1)]] = (
                m.group(2)
            )
        elif m := re.match(r"password-control composition type-number\s+(\d+)", t):
            f.policy["complexity"] = m.group(1)
        elif t == "password-control enable":
            f.policy["policy"] = "enabled"
        elif m := re.match(
            r"password-control login-attempt\s+(\d+)(?:\s+exceed\s+(lock-time\s+\d+|lock|unlock))?", t
        ):
            action = m.group(2) or "lock-time 1"  # Comware's default action locks for a minute
            if action == "unlock":  # failures are counted but nobody is ever locked out
                f.policy["lockout_attempts"] = "disabled(exceed-unlock)"
            else:
                f.policy["lockout_attempts"] = m.group(1)
                f.policy["lockout_minutes"] = (
                    f"{action.split()[-1]} 分钟" if "lock-time" in action else "直至管理员解锁"
                )
        elif t == "telnet server enable":
            f.services["telnet"] = "yes"
        elif t == "ssh server enable":
            f.services["ssh"] = "yes"
        elif t == "ssh server compatible-ssh1x enable":
            f.services["ssh1"] = "yes"
        elif t == "ip http enable":
            f.services["http"] = "yes"
        elif t == "ip https enable":
            f.services["https"] = "yes"
        elif t == "ftp server enable":
            f.services["ftp"] = "yes"
        elif m := re.match(r"(telnet|ssh) server (?:ipv6 )?acl\s+(?:ipv6\s+)?(\S+)", t):
            f.mgmt_acl.append(f"{m.group(1)} server acl {m.group(2)}")
        elif m := re.match(r"ssh user\s+(\S+)\s+service-type\s+\S+\s+authentication-type\s+(\S+)", t):
            f.aaa[f"ssh_user_{m.group(1)}"] = m.group(2)
        elif m := re.match(r"(?:hwtacacs|radius) scheme\s+(\S+)", t):
            f.aaa["remote_servers"] = (f.aaa.get("remote_servers", "") + " " + m.group(1)).strip()
        elif t == "undo info-center enable":
            f.logging["enabled"] = "no"
        elif (m := re.match(r"info-center loghost\s+(?:vpn-instance\s+\S+\s+)?(?:ipv6\s+)?(\S+)", t)) and (
            m.group(1) != "source"
        ):
            f.logging["loghosts"] = (f.logging["loghosts"] + " " + m.group(1)).strip()
        elif m := re.match(r"info-center timestamp(?: loghost)?\s+(\S+)", t):
            f.logging["timestamp"] = m.group(1)
        elif m := re.match(r"ntp-service unicast-(?:server|peer)\s+(?:ipv6\s+)?(\S+)", t):
            f.logging["ntp"] = (f.logging["ntp"] + " " + m.group(1)).strip()
        elif re.match(r"header (?:login|motd|shell)", t):
            f.banner = "yes"
        elif m := (
            re.match(r"acl\s+(?:number|advanced|basic|ipv6 advanced|ipv6 basic)\s+(?:name\s+)?(\S+)", t)
            or re.match(r"acl\s+(\d+)", t)
        ):
            acl = _acl(f, m.group(1), node.line)
            for c in node.children:
                if rm := re.match(r"rule\s+\d+\s+(permit|deny)\b", c.text):
                    acl.rules.append((rm.group(1), c.text))
        elif m := re.match(r"(?:line|user-interface)\s+(vty|con|console|aux|class \S+)\s*(.*)", t):
            if not m.group(1).startswith("class"):
                f.lines.append(_vrp_line(node, m.group(1), m.group(2)))
        elif t == "packet-filter default deny":
            f.policy["packet_filter_default"] = "deny"
    _snmp_agent(root, f)
    _interfaces(
        root,
        f,
        r"ip address\s+(\d+\.\d+\.\d+\.\d+)",
        [r"packet-filter\s+(?:ipv6\s+)?(?:name\s+)?(?P<acl>\S+)\s+(?P<dir>inbound|outbound)"],
    )
    for acl in f.acls.values():
        acl.implicit_deny = f.policy.get("packet_filter_default") == "deny"
    for line in f.lines:
        if line.kind == "vty" and line.acl:
            f.mgmt_acl.append(f"vty {line.span}: acl {line.acl}")
    f.aaa["two_factor"] = _two_factor(f.aaa, ("password-publickey",))
    return f


def _h3c_user(node: Node, name: str) -> User:
    user = User(name, node.line)
    for c in node.children:
        if m := re.match(r"password\s+(hash|cipher|simple)\s+(\S+)", c.text):
            user.form = m.group(1)
            user.default_password = m.group(1) == "simple" and m.group(2).lower() in DEFAULT_PASSWORDS
        elif m := re.match(r"authorization-attribute\s+(?:user-role|level)\s+(\S+)", c.text):
            user.level = f"{user.level},{m.group(1)}" if user.level else m.group(1)
        elif m := re.match(r"level\s+(\d+)$", c.text):  # Comware 5
            user.level = user.level or m.group(1)
        elif m := re.match(r"service-type\s+(.+)", c.text):
            user.services += m.group(1).split()
        elif c.text == "state block":
            user.blocked = True
    return user


# ------------------------------------------------------------------------------ Cisco IOS / ASA
def facts_cisco(root: Node, text: str) -> Facts:
    asa = bool(re.search(r"^(?:: )?ASA Version", text, re.M))
    f = Facts("cisco")
    # show version (when appended) is more precise than the configuration's own version line
    f.version = _version(text, r"Cisco IOS.*?Version ([^,\s]+)") or _version(
        text, r"^ASA Version (\S+)|^version (\S+)"
    )
    f.logging.update(
        enabled="yes" if not asa else "no", timestamp="uptime", loghosts="", ntp="", command_audit="no"
    )
    f.services.update(telnet="no", ssh="no", ssh1="no", http="no", https="no", ftp="no", small_servers="no")
    f.policy["service_password_encryption"] = "no"
    for node in walk(root):
        t = node.text
        if m := re.match(r"hostname\s+(\S+)", t):
            f.hostname = m.group(1)
        elif m := re.match(r"username\s+(\S+)(.*)", t):
            f.users.append(_cisco_user(node, m.group(1), m.group(2), asa))
        elif m := re.match(r"enable\s+(secret|password)(?:\s+level\s+\d+)?\s+(?:([0-9])\s+)?(\S+)(.*)", t):
            form = f"enable {m.group(1)}" + (f" {m.group(2)}" if m.group(2) else "")
            if asa and ("encrypted" in m.group(4) or "pbkdf2" in m.group(4)):
                form = "enable password encrypted"
            f.policy["enable_form"] = form
        elif t == "service password-encryption":
            f.policy["service_password_encryption"] = "yes"
        elif m := re.match(r"security passwords min-length\s+(\d+)", t):
            f.policy["min_length"] = m.group(1)
        elif m := re.match(r"aaa common-criteria policy\s+(\S+)", t):
            f.policy["policy"] = "enabled"
            classes = 0
            for c in node.children:
                if cm := re.match(r"min-length\s+(\d+)", c.text):
                    f.policy["min_length"] = cm.group(1)
                elif re.match(r"(upper-case|lower-case|numeric-count|special-case)\s+[1-9]", c.text):
                    classes += 1
                elif cm := re.match(r"lifetime\s+(?:month\s+(\d+)|day\s+(\d+))", c.text):
                    f.policy["aging_days"] = str(int(cm.group(1)) * 30) if cm.group(1) else cm.group(2)
            f.policy["complexity"] = str(classes)
        elif m := re.match(r"login block-for\s+(\d+)\s+attempts\s+(\d+)\s+within\s+(\d+)", t):
            f.policy.update(lockout_attempts=m.group(2), lockout_minutes=f"{int(m.group(1)) / 60:g} 分钟")
        elif m := re.match(r"aaa local authentication attempts max-fail\s+(\d+)", t):
            f.policy["lockout_attempts"] = m.group(1)
            f.policy.setdefault("lockout_minutes", "直至管理员解锁")
        elif asa and (
            m := re.match(
                r"password-policy (minimum-length|lifetime|minimum-(?:upper|lower)case|"
                r"minimum-numeric|minimum-special)\s+(\d+)",
                t,
            )
        ):
            if m.group(1) == "minimum-length":
                f.policy["min_length"] = m.group(2)
            elif m.group(1) == "lifetime":
                f.policy["aging_days"] = m.group(2)
            elif int(m.group(2)) > 0:
                f.policy["complexity"] = str(int(f.policy.get("complexity", "0")) + 1)
        elif asa and (m := re.match(r"aaa authentication (ssh|telnet|http|serial) console\s+(\S+)", t)):
            f.aaa[f"asa_auth_{'console' if m.group(1) == 'serial' else m.group(1)}"] = m.group(2)
        elif t == "aaa new-model":
            f.aaa["aaa"] = "yes"
        elif m := re.match(r"aaa authentication login\s+(\S+)\s+(.+)", t):
            f.aaa[f"login_{m.group(1)}"] = m.group(2)
        elif (
            m := re.match(r"aaa-server\s+(\S+)\s+protocol\s+(\S+)", t)
            or re.match(r"(?:tacacs|radius) server\s+(\S+)()", t)
            or re.match(r"(?:tacacs|radius)-server host\s+(\S+)()", t)
        ):
            f.aaa["remote_servers"] = (f.aaa.get("remote_servers", "") + " " + m.group(1)).strip()
        elif re.match(r"aaa accounting commands\s+15\b", t) or re.match(r"aaa accounting command\s+\S+", t):
            f.logging["command_audit"] = "aaa accounting"
        elif t == "archive":
            log = node.child("log config")
            if log is not None and log.child("logging enable") is not None:
                f.logging["command_audit"] = "archive log config"
        elif m := re.match(r"ip ssh version\s+(\d)", t) or re.match(r"ssh version\s+(\d)", t):
            f.services["ssh_version"] = m.group(1)
            f.services["ssh1"] = "yes" if m.group(1) == "1" else "no"
        elif t == "ip http server":
            f.services["http"] = "yes"
        elif t in ("ip http secure-server", "http server enable"):
            f.services["https"] = "yes"  # the ASA's http server is ASDM over HTTPS
        elif t in ("service tcp-small-servers", "service udp-small-servers", "ip finger", "service finger"):
            f.services["small_servers"] = "yes"
        elif t in ("ftp-server enable", "ip ftp server"):
            f.services["ftp"] = "yes"
        elif asa and (
            m := re.match(r"(ssh|telnet)\s+(\d+\.\d+\.\d+\.\d+)\s+(\d+\.\d+\.\d+\.\d+)\s+(\S+)$", t)
        ):
            f.services["ssh" if m.group(1) == "ssh" else "telnet"] = "yes"
            scope = f"{m.group(1)} {m.group(2)} {m.group(3)} {m.group(4)}"
            anywhere = m.group(3) == "0.0.0.0"  # noqa: S104 - a mask of 0.0.0.0 admits every address
            f.mgmt_acl.append(f"{scope} (any)" if anywhere else scope)
        elif asa and (m := re.match(r"(ssh|console) timeout\s+(\d+)", t)):
            kind = "vty" if m.group(1) == "ssh" else "console"
            f.lines.append(
                Line(
                    kind,
                    "ssh" if kind == "vty" else "0",
                    node.line,
                    "ssh" if kind == "vty" else "none",
                    idle=float(m.group(2)),
                )
            )
        elif m := re.match(r"snmp-server community\s+(\S+)", t):
            f.snmp["communities"] = str(int(f.snmp.get("communities", "0")) + 1)
            if m.group(1).lower() in ("public", "private"):
                f.snmp["default_communities"] = (
                    f.snmp.get("default_communities", "") + "," + m.group(1)
                ).strip(",")
        elif m := re.match(r"snmp-server group\s+\S+\s+v3\s+(priv|auth|noauth)", t):
            key = "v3_priv_groups" if m.group(1) == "priv" else "v3_nopriv_groups"
            f.snmp[key] = str(int(f.snmp.get(key, "0")) + 1)
        elif t == "no logging on":
            f.logging["enabled"] = "no"
        elif t == "logging enable":
            f.logging["enabled"] = "yes"
        elif m := re.match(r"logging (?:host\s+(?:\S+\s+)?(?:vrf \S+ )?)?(\d+\.\d+\.\d+\.\d+)", t):
            f.logging["loghosts"] = (f.logging["loghosts"] + " " + m.group(1)).strip()
        elif m := re.match(r"service timestamps log\s+(\S+)", t):
            f.logging["timestamp"] = m.group(1)
        elif t == "logging timestamp":
            f.logging["timestamp"] = "datetime"
        elif m := re.match(r"ntp server\s+(?:vrf \S+ )?(?:\S+\s+)?(\d+\.\d+\.\d+\.\d+|\S+\.\S+)", t):
            f.logging["ntp"] = (f.logging["ntp"] + " " + m.group(1)).strip()
        elif t.startswith("banner "):
            f.banner = "yes"
        elif m := re.match(
            r"access-list\s+(\S+)\s+(?:extended\s+|standard\s+)?(?:line \d+ )?(permit|deny)\b(.*)", t
        ):
            acl = _acl(f, m.group(1), node.line)
            acl.implicit_deny = True
            acl.rules.append((m.group(2), t))
        elif m := re.match(r"ip access-list\s+(?:extended|standard)\s+(\S+)", t):
            acl = _acl(f, m.group(1), node.line)
            acl.implicit_deny = True
            for c in node.children:
                if rm := re.match(r"(?:\d+\s+)?(permit|deny)\b", c.text):
                    acl.rules.append((rm.group(1), c.text))
        elif m := re.match(r"access-group\s+(\S+)\s+(in|out)\s+interface\s+(\S+)", t):
            _apply(f, m.group(1), f"{m.group(3)} {m.group(2)}")
        elif m := re.match(r"line\s+(vty|con|console|aux)\s+(.+)", t):
            f.lines.append(_cisco_line(node, m.group(1), m.group(2)))
    if f.aaa.get("aaa") == "yes" and "login_default" in f.aaa:
        for ln in f.lines:
            if ln.auth == "password":
                ln.auth = "aaa"  # with aaa new-model a line uses the default login list
    f.services["telnet"] = (
        "yes"
        if f.services["telnet"] == "yes"
        or any(
            ln.kind == "vty" and ln.protocols in ("telnet", "all", "default")
            for ln in f.lines
            if ln.span not in ("ssh",)
        )
        else "no"
    )
    f.services["ssh"] = (
        "yes"
        if f.services["ssh"] == "yes"
        or "ssh_version" in f.services
        or any(ln.kind == "vty" and ln.protocols in ("ssh", "all") for ln in f.lines)
        else "no"
    )
    if f.services["ssh"] == "yes" and "ssh_version" not in f.services:
        f.services["ssh1"] = "yes"  # without "ip ssh version 2" IOS answers as 1.99 and accepts SSHv1
    if asa:
        f.lines = [ln for ln in f.lines if ln.span in ("ssh", "0")]
        if not any(ln.kind == "vty" for ln in f.lines):
            f.lines.append(Line("vty", "ssh", 0, "ssh", idle=5.0))  # the ASA's default ssh timeout
        for ln in f.lines:
            ln.auth = (
                "aaa" if f.aaa.get(f"asa_auth_{'ssh' if ln.kind == 'vty' else 'console'}") else "password"
            )
    _interfaces(
        root, f, r"ip address\s+(\d+\.\d+\.\d+\.\d+)", [r"ip access-group\s+(?P<acl>\S+)\s+(?P<dir>in|out)"]
    )
    for line in f.lines:
        if line.kind == "vty" and line.acl:
            f.mgmt_acl.append(f"line vty {line.span}: access-class {line.acl}")
    f.snmp.setdefault("communities", "0")
    f.snmp.setdefault("default_communities", "none")
    f.snmp.setdefault("v3_priv_groups", "0")
    f.snmp.setdefault("v3_nopriv_groups", "0")
    has_v12 = int(f.snmp["communities"]) > 0
    has_v3 = int(f.snmp["v3_priv_groups"]) + int(f.snmp["v3_nopriv_groups"]) > 0
    f.snmp["enabled"] = "yes" if has_v12 or has_v3 else "no"
    f.snmp["versions"] = (
        ",".join([*(["v1", "v2c"] if has_v12 else []), *(["v3"] if has_v3 else [])]) or "none"
    )
    f.aaa["two_factor"] = "no"
    return f


def _cisco_user(node: Node, name: str, rest: str, asa: bool) -> User:
    user = User(name, node.line)
    if m := re.search(r"privilege\s+(\d+)", rest):
        user.level = m.group(1)
    if m := re.search(r"\b(secret|password)\s+(?:([0-9])\s+)?(\S+)", rest):
        kind, number, value = m.group(1), m.group(2), m.group(3)
        user.form = f"{kind} {number}" if number else kind
        if asa and re.search(r"\b(encrypted|pbkdf2)\b", rest):
            user.form = "password encrypted"
        elif kind == "secret" and not number:
            user.form = "secret 5"  # IOS stores an unnumbered secret as MD5 (type 5) or stronger
        user.default_password = user.form in ("password", "password 0") and value.lower() in DEFAULT_PASSWORDS
    elif "nopassword" in rest:
        user.form = "none"
    if not user.level:
        user.level = "15" if asa else "1"
    return user


def _cisco_line(node: Node, kind: str, span: str) -> Line:
    line = Line("console" if kind in ("con", "console") else kind, span.strip(), node.line, auth="password")
    has_password = False
    for c in node.children:
        if m := re.match(r"transport input\s+(.+)", c.text):
            words = m.group(1).split()
            line.protocols = "all" if "all" in words or {"ssh", "telnet"} <= set(words) else words[0]
        elif m := re.match(r"access-class\s+(\S+)\s+in", c.text):
            line.acl = m.group(1)
        elif m := re.match(r"exec-timeout\s+(.+)", c.text):
            line.idle = _minutes(m.group(1))
        elif c.text == "no exec":
            line.idle = 0.0 if line.idle is None else line.idle
        elif c.text.startswith("login authentication") or c.text == "login local":
            line.auth = "aaa"
        elif c.text == "no login":
            line.auth = "none"
        elif c.text.startswith("password"):
            has_password = True
    if line.auth == "password" and not has_password and line.kind == "console":
        line.auth = "none"  # "login" on the console without a password lets anyone in
    return line
