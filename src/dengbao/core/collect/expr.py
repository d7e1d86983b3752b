"""A tiny, safe condition language for collection rules (no ``eval``).

Grammar::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | cmp
    cmp     := primary (OP primary)?        OP: == != < <= > >= matches contains in
    primary := NUMBER | STRING | NAME | "(" expr ")" | FUNC "(" [expr ("," expr)*] ")"
    FUNC    := all | any | defined | count | lower | int

Names are values extracted from artefacts (``None`` when absent, a list for a
``many`` extraction). A comparison involving ``None`` is false, so a missing
setting fails a rule instead of raising. Parsing happens once at rule load, so
a typo is a load error with the rule's file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Value = Any


class ExprError(ValueError):
    """A condition that cannot be parsed or evaluated; ``pos`` is the character offset."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message if pos is None else f"{message} (at character {pos + 1})")
        self.pos = pos


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>-?\d+(?:\.\d+)?)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<op>==|!=|<=|>=|<|>|\(|\)|,)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "matches", "contains", "in", "true", "false", "none"}
_COMPARE = {"==", "!=", "<", "<=", ">", ">=", "matches", "contains", "in"}
FUNCTIONS = {"all", "any", "defined", "count", "lower", "int"}
MAX_LENGTH = 2000
MAX_DEPTH = 40


@dataclass(frozen=True)
class Token:
    kind: str  # num | str | op | name | kw
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExprError(f"condition longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"unexpected character {text[pos:].lstrip()[:1]!r}", pos)
        kind = m.lastgroup or ""
        value = m.group(kind)
        start = m.start(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "kw", value.lower()
        tokens.append(Token(kind, value, start))
        pos = m.end()
    return tokens


# AST nodes are tuples: ("lit", v) ("name", n) ("not", a) ("and", [..]) ("or", [..])
# ("cmp", op, a, b) ("call", f, [..])
Node = tuple


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.end = len(text)

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ExprError("condition ends too early", self.end)
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise ExprError(f"expected {text!r}, found {tok.text!r}", tok.pos)

    def parse(self) -> Node:
        if not self.tokens:
            raise ExprError("empty condition", 0)
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise ExprError(f"unexpected {tok.text!r}", tok.pos)
        return node

    def _nested(self, fn: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("condition nested too deeply")
        try:
            return fn()
        finally:
            self.depth -= 1

    def or_(self) -> Node:
        parts = [self.and_()]
        while (tok := self.peek()) is not None and tok.text == "or" and tok.kind == "kw":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_(self) -> Node:
        parts = [self.not_()]
        while (tok := self.peek()) is not None and tok.text == "and" and tok.kind == "kw":
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def not_(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "kw" and tok.text == "not":
            self.take()
            return ("not", self._nested(self.not_))
        return self.cmp()

    def cmp(self) -> Node:
        left = self.primary()
        tok = self.peek()
        if tok is not None and tok.text in _COMPARE and tok.kind in ("op", "kw"):
            self.take()
            right = self.primary()
            if tok.text == "matches":
                if right[0] != "lit" or not isinstance(right[1], str):
                    raise ExprError("'matches' needs a string pattern", tok.pos)
                try:
                    re.compile(right[1])
                except re.error as exc:
                    raise ExprError(f"bad pattern: {exc}", tok.pos) from None
            return ("cmp", tok.text, left, right)
        return left

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return ("lit", float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind == "str":
            body = tok.text[1:-1]
            return ("lit", re.sub(r"\\(.)", r"\1", body))
        if tok.kind == "kw" and tok.text in ("true", "false", "none"):
            return ("lit", {"true": True, "false": False, "none": None}[tok.text])
        if tok.text == "(":
            node = self._nested(self.or_)
            self.expect(")")
            return node
        if tok.kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                if tok.text not in FUNCTIONS:
                    raise ExprError(f"unknown function {tok.text!r}", tok.pos)
                self.take()
                args: list[Node] = []
                if (p := self.peek()) is not None and p.text == ")":
                    self.take()
                else:
                    while True:
                        args.append(self._nested(self.or_))
                        sep = self.take()
                        if sep.text == ")":
                            break
                        if sep.text != ",":
                            raise ExprError(f"expected ',' or ')', found {sep.text!r}", sep.pos)
                if tok.text in ("defined", "count") and (len(args) != 1 or args[0][0] != "name"):
                    raise ExprError(f"{tok.text}() takes one extracted name", tok.pos)
                if tok.text in ("lower", "int") and len(args) != 1:
                    raise ExprError(f"{tok.text}() takes one argument", tok.pos)
                return ("call", tok.text, args)
            return ("name", tok.text)
        raise ExprError(f"unexpected {tok.text!r}", tok.pos)


def parse(text: str) -> Node:
    return _Parser(text).parse()


def names(node: Node) -> set[str]:
    """Every extracted name a condition reads (checked against the rule's extractions at load)."""
    kind = node[0]
    if kind == "name":
        return {node[1]}
    if kind == "not":
        return names(node[1])
    if kind in ("and", "or"):
        return set().union(*(names(n) for n in node[1]))
    if kind == "cmp":
        return names(node[2]) | names(node[3])
    if kind == "call":
        return set().union(set(), *(names(n) for n in node[2]))
    return set()


def _number(v: Value) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def _compare(op: str, a: Value, b: Value) -> bool:
    if op == "contains":
        if a is None or b is None:
            return False
        if isinstance(a, list):
            return any(str(x) == str(b) for x in a)
        return str(b) in str(a)
    if op == "in":
        if a is None or b is None:
            return False
        if isinstance(b, list):
            return any(str(x) == str(a) for x in b)
        return str(a) in str(b)
    if op == "matches":
        if a is None:
            return False
        items = a if isinstance(a, list) else [a]
        return any(re.search(str(b), str(x)) for x in items)
    if a is None or b is None:
        return op == "!=" and (a is None) != (b is None)
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        a, b = float(na), float(nb)
    else:
        a, b = str(a), str(b)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if type(a) is not type(b):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def evaluate(node: Node, values: Mapping[str, Value]) -> Value:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "name":
        return values.get(node[1])
    if kind == "not":
        return not truthy(evaluate(node[1], values))
    if kind == "and":
        return all(truthy(evaluate(n, values)) for n in node[1])
    if kind == "or":
        return any(truthy(evaluate(n, values)) for n in node[1])
    if kind == "cmp":
        return _compare(node[1], evaluate(node[2], values), evaluate(node[3], values))
    if kind == "call":
        fn, args = node[1], node[2]
        if fn == "all":
            return all(truthy(evaluate(n, values)) for n in args)
        if fn == "any":
            return any(truthy(evaluate(n, values)) for n in args)
        if fn == "defined":
            v = values.get(args[0][1])
            return v is not None and v != []
        if fn == "count":
            v = values.get(args[0][1])
            return len(v) if isinstance(v, list) else (0 if v is None else 1)
        v = evaluate(args[0], values)
        if fn == "lower":
            return None if v is None else str(v).lower()
        n = _number(v)
        return None if n is None else int(n)
    raise ExprError(f"unknown node {kind!r}")


def truthy(v: Value) -> bool:
    if isinstance(v, list):
        return bool(v)
    return bool(v) and v != "0"
