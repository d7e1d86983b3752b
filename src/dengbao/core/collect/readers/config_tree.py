"""Device configuration text: decoding, cleaning, secret masking and an indentation tree.

Huawei VRP, H3C Comware and Cisco IOS/ASA all print their configuration as lines whose
leading spaces nest a command under the block it belongs to (``interface``, ``aaa``,
``user-interface``/``line``), with ``#`` or ``!`` lines between blocks. One small tree
parser therefore reads all three; the vendor-specific part is which commands mean what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CONFIG_BYTES = 16 * 1024 * 1024
MASK = "******"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MORE = re.compile(r"-+\s*More\s*-+|<--- More --->|--More--")
_CURSOR = re.compile(r"(?:\x1b\[\d*D|\x08+)")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, as Chinese consoles save)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def clean(text: str) -> list[str]:
    """Lines without CR, pager prompts (``---- More ----`` and its cursor moves) or ANSI codes."""
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw
        if _MORE.search(line):
            cursor = list(_CURSOR.finditer(line))
            line = line[cursor[-1].end() :] if cursor else _MORE.sub("", line).strip()
        line = _ANSI.sub("", line).replace("\x08", "").rstrip()
        out.append(line)
    return out


# Secret-bearing commands: group 1 is kept, the secret that follows it is replaced by MASK.
_SECRETS = [
    # Huawei / H3C: "... password irreversible-cipher X", "cipher X", "simple X", "hash X"
    re.compile(
        r"((?<![\w-])(?:password|shared-key|key|community(?:\s+(?:read|write))?|authentication-key|"
        r"pre-shared-key|authentication-mode\s+\S+|privacy-mode\s+\S+|auth-password|priv-password)"
        r"(?:\s+\S+){0,2}?\s+(?:irreversible-cipher|cipher|simple|hash)\s+)(\S+)",
        re.I,
    ),
    # Cisco: "secret 5|8|9 X", "password 0|7 X", "key 0|7 X"
    re.compile(r"((?<![\w-])(?:secret|password|key|key-string)\s+[0-9]\s+)(\S+)", re.I),
    re.compile(r"((?<![\w-])authentication-key\s+\d+\s+(?:md5|sha\S*)\s+)(\S+)", re.I),
    # Cisco without a type number: "enable secret X", "username u password X", "line password X"
    re.compile(
        r"(^\s*(?:enable\s+(?:secret|password)(?:\s+level\s+\d+)?|username\s+\S+(?:\s+privilege\s+\d+)?"
        r"\s+(?:secret|password)|password|passwd|(?:tacacs|radius)-server\s+key|key|"
        r"(?:tacacs|radius)-server\s+host\s+\S+(?:\s+\S+)*?\s+key)\s+)"
        r"(?![0-9](?:\s|$)|cipher\b|simple\b|hash\b|irreversible-cipher\b|\*|authentication\b|accounting\b|authorization\b)(\S+)",
        re.I,
    ),
    # Cisco SNMP community names are passwords: "snmp-server community NAME RO"
    re.compile(r"(^\s*snmp-server\s+community\s+)(\S+)", re.I),
    # Huawei/H3C community without a form keyword: "snmp-agent community read public"
    re.compile(r"(^\s*snmp-agent\s+community\s+(?:read|write)\s+)(?!cipher\b|simple\b)(\S+)", re.I),
    # ASA: "username u password X encrypted", "enable password X encrypted", "passwd X encrypted"
    re.compile(
        r"((?<![\w-])(?:password|passwd)\s+)(?!0\b|7\b|cipher\b|simple\b|hash\b)(\S+)(?=\s+(?:encrypted|pbkdf2))",
        re.I,
    ),
    # Cisco SNMPv3 user keys: "auth sha X priv aes 128 Y"
    re.compile(r"(\bauth\s+(?:md5|sha\S*)\s+)(\S+)", re.I),
    re.compile(r"(\bpriv\s+(?:des|3des|aes(?:\s+\d+)?)\s+)(\S+)", re.I),
    re.compile(r"(\bcrypto\s+isakmp\s+key\s+)(\S+)", re.I),
]
_USM = re.compile(
    r"((?<![\w-])(?:authentication-mode|privacy-mode)\s+\S+\s+(?:cipher\s+|simple\s+)?)(?!cipher\b|simple\b)(\S+)",
    re.I,
)
# "password" words that name a setting, not a secret ("password-control", "password policy").
_NOT_SECRET = re.compile(
    r"^\s*(?:password\s+(?:policy|expire|history|alert|complexity|min-len|encryption|recovery)\b|"
    r"local-aaa-user\s+password\b|security\s+passwords\b|service\s+password-encryption|"
    r"password-control\b|undo\b|no\s+service\b|aaa\s+local\s+authentication\b)",
    re.I,
)


def mask(line: str) -> str:
    """The line with every secret (cipher text, hash or plain text) replaced by MASK."""
    if _NOT_SECRET.match(line):
        return line
    if "usm-user" in line:  # SNMPv3 keys: "authentication-mode sha KEY privacy-mode aes128 KEY"
        line = _USM.sub(lambda m: m.group(1) + MASK, line)
    for pattern in _SECRETS:
        line = pattern.sub(lambda m: m.group(1) + MASK if m.group(2) != MASK else m.group(0), line)
    return line


@dataclass
class Node:
    text: str
    line: int  # 1-based, in the cleaned input
    indent: int
    children: list[Node] = field(default_factory=list)

    def child(self, prefix: str) -> Node | None:
        return next((c for c in self.children if c.text.startswith(prefix)), None)

    def matches(self, pattern: str) -> list[tuple[Node, re.Match[str]]]:
        rx = re.compile(pattern)
        return [(c, m) for c in self.children if (m := rx.match(c.text))]


def tree(lines: list[str]) -> Node:
    """Indentation tree; ``#``/``!`` separator and comment lines end nothing and are skipped."""
    root = Node("", 0, -1)
    stack = [root]
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if raw in ("#", "!"):  # a block separator at the left margin ends every open block
            del stack[1:]
            continue
        if not stripped or stripped in ("#", "!") or stripped.startswith(("! ", "!-", "#-")):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        node = Node(stripped, number, indent)
        while stack[-1].indent >= indent:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    return root


def top(root: Node, pattern: str) -> list[tuple[Node, re.Match[str]]]:
    return root.matches(pattern)


def walk(node: Node):
    for c in node.children:
        yield c
        yield from walk(c)
