"""Checking a replacement template before it is used: the fields it reads, then a limited render.

``unknown_fields`` reads the template's Jinja source (body, headers, footers, footnotes and
document properties — everything docxtpl renders) and names each field the context does
not provide. It follows ``for`` loops into their lists, ``{% set %}`` and ``{% with %}``
to what they were set from, and macros into their arguments at each call, so
``{% set x = chart %}{{ x.tpl }}`` is ``chart.tpl`` — a field no context has. What it
cannot follow statically (a value computed by an expression) the render catches: the
sandbox refuses every attribute that is not a dict key.

``builder.check_template_file`` runs this and a render in a limited child process
(isolation.py), with sample data in which every picture slot holds a picture.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import meta, nodes

from .errors import DocumentError
from .plain import to_plain
from .sandbox import open_template

_ITEM = object()  # path step meaning "an element of this list" (a for-loop variable)
_OPAQUE = ()  # a name bound to a value the checker cannot follow (a computed string…)
_SAME_LIST = {"sort", "reverse", "list", "unique", "selectattr", "rejectattr", "default", "d"}
_ONE_ITEM = {"first", "last", "random"}
MAX_STEPS = 200_000  # nodes visited, macro expansions included
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def template_fields(template: Path) -> set[str]:
    """Top-level names the template reads (what Jinja calls undeclared variables)."""
    names: set[str] = set()
    name = Path(template).name
    for source in _parsed(open_template(template), name):
        names |= _undeclared(source, name)
    return names


def _undeclared(ast: nodes.Template, name: str) -> set[str]:
    """Jinja's undeclared names; its code generator also refuses a filter or test it does not know."""
    try:
        return meta.find_undeclared_variables(ast)
    except jinja2.TemplateAssertionError as exc:  # e.g. {{ x|nosuch }}
        raise DocumentError(f"模板 {name} 的标签有错误：{exc.message}（第 {exc.lineno} 行）") from exc


def unknown_fields(template: Path, context: Mapping[str, Any], *, name: str | None = None) -> list[str]:
    """Fields the template uses that ``context`` does not provide, sorted.

    Top-level names are checked, and so are dotted paths below them (``unit.nmae``),
    following loops, ``set``/``with`` and macro arguments. Raises ``DocumentError`` for a
    file that is not a .docx or a tag that does not parse.
    """
    name = name or Path(template).name
    values = to_plain(context).values
    asts = _parsed(open_template(template, name=name), name)
    missing: set[str] = set()
    for ast in asts:
        missing |= _undeclared(ast, name) - set(values)
        try:
            for path in _attribute_paths(ast):
                if path[0] in values and not _resolves(values, path):
                    missing.add(_dotted(path))
        except RecursionError as exc:
            raise DocumentError(f"模板 {name} 的标签嵌套过深，无法检查") from exc
    return sorted(missing)


def template_sources(tpl: DocxTemplate) -> list[str]:
    """The Jinja sources docxtpl renders, after its tag clean-up: body, headers and footers,
    footnotes, and the document properties."""
    sources = [tpl.patch_xml(tpl.xml_to_string(tpl.docx.element.body))]
    for rel in tpl.docx.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and not rel.is_external:
            sources.append(tpl.patch_xml(tpl.get_part_xml(rel.target_part)))
    for part in tpl.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob
            sources.append(tpl.patch_xml(blob.decode("utf-8") if isinstance(blob, bytes) else blob))
    props = tpl.docx.core_properties
    sources.extend(text for name in _PROPERTIES if (text := getattr(props, name) or ""))
    return sources


def _parsed(tpl: DocxTemplate, name: str) -> list[nodes.Template]:
    env = jinja2.Environment(autoescape=True)
    try:
        return [env.parse(source) for source in template_sources(tpl)]
    except jinja2.TemplateSyntaxError as exc:
        raise DocumentError(f"模板 {name} 的标签有语法错误：{exc.message}（第 {exc.lineno} 行）") from exc
    except RecursionError as exc:
        raise DocumentError(f"模板 {name} 的标签嵌套过深，无法解析") from exc
    except MemoryError:
        raise
    except Exception as exc:  # a part that is not UTF-8 XML, a damaged core-properties part
        raise DocumentError(f"模板 {name} 的内容无法读取（{type(exc).__name__}）") from exc


def _attribute_paths(ast: nodes.Node) -> Iterator[tuple[Any, ...]]:
    """Dotted paths (root name, attr, …) the template reads; loop variables resolve to
    ``(list path…, _ITEM, attr…)``, set/with names and macro arguments to what they hold."""
    macros: dict[str, nodes.Macro] = {}
    expanding: list[str] = []
    steps = 0

    def path_of(node: nodes.Node, bound: dict) -> tuple[Any, ...] | None:
        if isinstance(node, nodes.Name):
            path = bound.get(node.name, (node.name,))
            return path or None
        if isinstance(node, nodes.Getattr):
            base = path_of(node.node, bound)
            return None if base is None else (*base, node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = path_of(node.node, bound)
            return None if base is None else (*base, node.arg.value)
        if isinstance(node, nodes.Filter) and node.node is not None:
            base = path_of(node.node, bound)
            if base is not None and node.name in _SAME_LIST:
                return base
            if base is not None and node.name in _ONE_ITEM:
                return (*base, _ITEM)
        return None

    def bind(target: nodes.Node, value: tuple[Any, ...] | None, bound: dict) -> None:
        if isinstance(target, nodes.Name):
            bound[target.name] = value if value is not None else _OPAQUE
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                bind(item, None, bound)

    def walk_all(items: Sequence[nodes.Node], bound: dict) -> Iterator[tuple[Any, ...]]:
        for item in items:
            yield from walk(item, bound)

    def walk(node: nodes.Node, bound: dict) -> Iterator[tuple[Any, ...]]:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            raise DocumentError("模板结构过于复杂（宏调用层层展开），无法检查")
        if isinstance(node, nodes.For):
            yield from walk(node.iter, bound)
            inner = dict(bound)
            source = path_of(node.iter, bound)
            bind(node.target, None if source is None else (*source, _ITEM), inner)
            inner["loop"] = _OPAQUE
            yield from walk_all([*node.body, *([node.test] if node.test else [])], inner)
            yield from walk_all(node.else_, bound)
            return
        if isinstance(node, nodes.Assign):
            yield from walk(node.node, bound)
            bind(node.target, path_of(node.node, bound), bound)
            return
        if isinstance(node, nodes.AssignBlock):
            yield from walk_all(node.body, bound)
            bind(node.target, None, bound)
            return
        if isinstance(node, nodes.With):
            inner = dict(bound)
            for target, value in zip(node.targets, node.values, strict=False):
                yield from walk(value, bound)
                bind(target, path_of(value, bound), inner)
            yield from walk_all(node.body, inner)
            return
        if isinstance(node, nodes.Macro):
            macros[node.name] = node
            bound[node.name] = _OPAQUE
            yield from macro_body(node, [], {}, bound)  # what it reads whoever calls it
            return
        if isinstance(node, nodes.CallBlock):
            yield from walk(node.call, bound)
            inner = dict(bound)
            for arg in node.args:
                bind(arg, None, inner)
            yield from walk_all(node.body, inner)
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in macros:
            name = node.node.name
            for child in node.iter_child_nodes():
                yield from walk(child, bound)
            if name not in expanding:  # a recursive macro is followed once
                positional = [path_of(a, bound) for a in node.args]
                named = {k.key: path_of(k.value, bound) for k in node.kwargs}
                expanding.append(name)
                yield from macro_body(macros[name], positional, named, bound)
                expanding.pop()
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            path = path_of(node, bound)
            if path is not None and len(path) > 1:
                yield path
                return
        for child in node.iter_child_nodes():
            yield from walk(child, bound)

    def macro_body(macro: nodes.Macro, positional: list, named: dict, outer: dict) -> Iterator:
        inner = dict(outer)
        for name in ("caller", "varargs", "kwargs"):
            inner[name] = _OPAQUE
        for i, arg in enumerate(macro.args):
            value = positional[i] if i < len(positional) else named.get(arg.name)
            bind(arg, value, inner)
        yield from walk_all(macro.defaults, outer)
        yield from walk_all(macro.body, inner)

    yield from walk(ast, {})


def _dotted(path: tuple[Any, ...]) -> str:
    """('systems', _ITEM, 'nmae') → 'systems[].nmae'."""
    text = ""
    for step in path:
        if step is _ITEM:
            text += "[]"
        elif isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def _resolves(context: Mapping[str, Any], path: tuple[Any, ...]) -> bool:
    """Whether the plain ``context`` has ``path`` (only dict keys and list items count)."""
    value: Any = context
    for step in path:
        if value is None:
            return True  # an optional slot (an image left out): nothing below it to check
        if step is _ITEM:
            if not isinstance(value, list):
                return False
            if not value:
                return True  # an empty list cannot show a wrong field
            value = value[0]
        elif isinstance(value, Mapping) and step in value:
            value = value[step]
        elif isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return False
    return True
