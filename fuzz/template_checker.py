"""Fuzz target: the template checker and the sandboxed render only ever refuse.

Generated Jinja — fields of the assessment report's sample context (pictures, appendix
blocks, lists, dicts), attributes an attacker tries, filters, ``set``/``with``/``for``/macros,
docxtpl's own tags, stray braces — is put into a Word body, runs split across runs as Word
does, or as raw XML. Each example goes through ``unknown_fields``, the sandboxed render and
the picture/block splice. A crash is any exception but ``DocumentError`` (its subclass
``TemplateLimitError`` included); a render that leaks a Python object's repr is one too.

    python fuzz/template_checker.py --seconds 600            # long run, in-process
    python fuzz/template_checker.py --seconds 600 --child 20  # also every 20th example through
                                                              # the full upload check (child process)

``tests/security/test_template_checker_fuzz.py`` runs the same property on a small budget.
"""

from __future__ import annotations

import argparse
import functools
import html
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if __package__ in (None, ""):  # run as a script: make ``dengbao`` and this package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dengbao.core.documents import builder, bulk, kinds, sandbox
from dengbao.core.documents.pictures import sample_png
from dengbao.core.documents.plain import to_plain

KIND = "assessment_report"
MAX_OUTPUT = 200_000
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_LEAKS = ("<class ", "<bound method", "<built-in", "<module ", "object at 0x", "PosixPath(")

NAMES = ("summary_chart", "results_chart", "categories", "system", "conclusion", "risks", "objects",
         "appendix_d", "scan", "basis", "loop", "x", "ns", "self", "range", "dict", "namespace",
         "lipsum", "cycler", "joiner", "caller", "nosuch")  # fmt: skip
ATTRS = ("tpl", "__class__", "__init__", "__globals__", "name", "text", "items", "upper", "chart",
         "rows", "template_file", "parent", "read_text", "mro", "__subclasses__", "index", "c")  # fmt: skip
FILTERS = ("first", "last", "length", "upper", "list", "string", "join", "sort", "default",
           "attr('tpl')", "attr('__class__')", "map(attribute='chart')", "map(attribute='chart.tpl')",
           "format(1)", "replace('a', 'b')", "selectattr('chart')", "tojson", "safe", "e")  # fmt: skip
TAG_NOISE = ("{{", "}}", "{%", "%}", "{#", "#}", "{%p if x %}", "{%p endif %}", "{%tr for r in risks %}",
             "{%tr endfor %}", "{{r x }}", '{% cellbg "" %}', "{%- raw %}", "{% endraw -%}",
             "<", "&", "]]>")  # fmt: skip


def expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(NAMES),
        st.integers(-3, 30).map(str),
        st.sampled_from(
            ("'x'", "'{0.__class__}'", "none", "true", "[]", "{}", "'DENGBAO-PICTURE-0000-7f3a'")
        ),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(ATTRS)).map(lambda t: f"{t[0]}.{t[1]}"),
            st.tuples(inner, st.integers(-2, 3)).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(inner, st.sampled_from(ATTRS)).map(lambda t: f"{t[0]}['{t[1]}']"),
            st.tuples(inner, st.sampled_from(FILTERS)).map(lambda t: f"({t[0]})|{t[1]}"),
            inner.map(lambda e: f"{e}()"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]}, {t[1]})"),
            st.tuples(inner, st.sampled_from(("~", "+", "==", "and", "in")), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.integers(0, 40).map(lambda n: f"'ab' * {n}"),
            inner.map(lambda e: f"range({e})"),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def statements() -> st.SearchStrategy[str]:
    expr = expressions()

    def wrap(opening: str, closing: str):
        return lambda t: opening.format(t[0]) + t[1] + closing

    def nest(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(expr, inner).map(wrap("{{% for x in {} %}}", "{% endfor %}")),
            st.tuples(st.integers(0, 12), inner).map(wrap("{{% for i in range({}) %}}", "{% endfor %}")),
            st.tuples(expr, inner).map(wrap("{{% if {} %}}", "{% else %}-{% endif %}")),
            st.tuples(expr, inner).map(wrap("{{% with x = {} %}}", "{% endwith %}")),
            st.tuples(expr, inner).map(
                wrap("{{% macro m(c) %}}{{{{ c }}}}{{{{ m({}) }}}}", "{% endmacro %}")
            ),
            st.tuples(expr, inner).map(
                lambda t: f"{{% macro m(c) %}}{t[1]}{{% endmacro %}}{{{{ m({t[0]}) }}}}"
            ),
            st.tuples(expr, inner).map(
                lambda t: (
                    "{% macro m() %}{{ caller() }}{% endmacro %}"
                    f"{{% call m() %}}{t[1]}{{% endcall %}}{{{{ {t[0]} }}}}"
                )
            ),
            st.tuples(inner, inner).map("".join),
        )

    simple = st.one_of(
        expr.map(lambda e: f"{{{{ {e} }}}}"),
        expr.map(lambda e: f"{{% set x = {e} %}}"),
        expr.map(lambda e: f"{{% set ns = namespace(c={e}) %}}{{{{ ns.c }}}}"),
        st.sampled_from(TAG_NOISE),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    )
    return st.recursive(simple, nest, max_leaves=5)


@st.composite
def bodies(draw) -> str:
    """A document.xml: paragraphs of runs (a statement may be split across runs), or raw XML."""
    if draw(st.integers(0, 9)) == 0:  # now and then: unescaped text straight into the XML
        raw = draw(
            st.lists(st.one_of(statements(), st.sampled_from(("<w:p>", "</w:r>", "<w:t>"))), max_size=4)
        )
        return _document("".join(raw))
    paragraphs = []
    for text in draw(st.lists(statements(), min_size=1, max_size=4)):
        cut = draw(st.integers(0, len(text)))
        runs = "".join(
            f'<w:r><w:t xml:space="preserve">{escape(part)}</w:t></w:r>'
            for part in (text[:cut], text[cut:])
            if part
        )
        paragraphs.append(f"<w:p>{runs}</w:p>")
    return _document("".join(paragraphs))


def _document(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}"><w:body>{body}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440"'
        ' w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>'
    )


_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument'
        '.wordprocessingml.document.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    ),
}


def make_docx(document_xml: str) -> bytes:
    """The smallest .docx Word and python-docx open: content types, one relationship, the body."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, text in _PACKAGE.items():
            target.writestr(name, text)
        target.writestr("word/document.xml", document_xml.encode("utf-8"))
    return out.getvalue()


class _Sample:
    """The sample context with a picture in every slot, made once; its appendix blocks are
    kept as a list so that every example can stream them again."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="dengbao-fuzz-")
        self.context = kinds.sample_context(KIND, sample_png(Path(self.folder.name) / "sample.png"))
        blocks = self.context["appendix_d"]
        self.context["appendix_d"] = bulk.Blocks(list(blocks.parts))


@functools.cache
def _sample() -> _Sample:
    return _Sample()


def check_one(document_xml: str, *, child: bool = False) -> None:
    """The property: every outcome is a result or a ``DocumentError``; raises AssertionError otherwise."""
    context = _sample().context
    with tempfile.TemporaryDirectory(prefix="dengbao-fuzz-") as tmp:
        path = Path(tmp) / "fuzzed.docx"
        path.write_bytes(make_docx(document_xml))
        _only_refusals(lambda: builder.unknown_fields(path, context))
        plain = to_plain(context)
        rendered = _only_refusals(lambda: sandbox.render_template(path, plain.values, max_output=MAX_OUTPUT))
        if rendered is not None:
            text = _all_text(rendered)
            leaked = [leak for leak in _LEAKS if leak in text]
            assert not leaked, f"the render shows a Python object: {leaked}"
            _only_refusals(lambda: builder._finish(rendered, plain))  # pictures in, blocks spliced
        if child:
            problems = _only_refusals(lambda: kinds.check_template(path, KIND))
            assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


def _only_refusals(call):
    try:
        return call()
    except builder.DocumentError:
        return None


def _all_text(content: bytes) -> str:
    """Every XML part, unescaped (a repr the template printed was escaped on the way out)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = "".join(
            archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xml")
        )
    return html.unescape(xml)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to run (default 60)")
    parser.add_argument(
        "--child",
        type=int,
        default=0,
        metavar="N",
        help="every Nth example also through the full upload check",
    )
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.seconds
    count = 0

    @settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(bodies())
    def batch(document_xml: str) -> None:
        nonlocal count
        count += 1
        check_one(document_xml, child=bool(args.child) and count % args.child == 0)

    while time.monotonic() < deadline:
        batch()  # a crash raises here, with hypothesis's shrunk example
        print(f"{count} examples, 0 crashes", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
