"""The one document builder: docxtpl template + context (+ images) → .docx bytes, → PDF.

Every document the platform makes (定级报告, 备案表, later the 测评报告, gap list and
remediation plan) goes through ``render_docx``, so escaping, strict fields, image sizing
and the empty-shading convention behave the same everywhere. ``unknown_fields`` is the
check an organisation's uploaded replacement template has to pass before it is used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Emu
from docxtpl import DocxTemplate, InlineImage
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from . import bulk

# An image never takes more than this share of the page's text height, so a tall
# topology picture still leaves room for its caption.
MAX_IMAGE_HEIGHT_SHARE = 0.6


class Picture:
    """A context value that becomes the picture at ``path``, scaled to fit the page; it may sit
    anywhere in the context (e.g. one chart per row of a loop)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Picture({self.path.name})"


class DocumentError(ValueError):
    """A template, context or image that cannot make a document; the message says which."""


class ConversionError(RuntimeError):
    """LibreOffice is installed but did not turn the document into a PDF."""


def render_docx(
    template: Path, context: Mapping[str, Any], *, images: Mapping[str, Path] | None = None
) -> bytes:
    """Render ``template`` with ``context``; each ``images`` entry replaces the context key of
    the same name with the picture, scaled to fit the page.

    Values are XML-escaped (a "<" in a system description cannot break the file), a field
    the context lacks is an error rather than a silent blank, and the template runs in
    Jinja's sandbox because organisations upload their own. A ``bulk.Blocks`` value (the
    long result appendix) is streamed in after rendering, in place of its paragraph. A table cell shaded
    with ``{% cellbg "" %}`` (an empty colour) gets no shading at all, which is how the
    templates mark "this cell only".
    """
    template = Path(template)
    tpl = _open(template)
    values = dict(context)
    blocks: dict[str, bulk.Blocks] = {}
    for key, value in values.items():
        if isinstance(value, bulk.Blocks):  # streamed in after rendering (see bulk.py)
            values[key] = bulk.marker(len(blocks))
            blocks[values[key]] = value
    for key, path in (images or {}).items():
        values[key] = Picture(path)
    values = _pictures(tpl, values, "")
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        tpl.render(values, jinja_env=env, autoescape=True)
    except jinja2.UndefinedError as exc:
        raise DocumentError(f"模板 {template.name} 使用了上下文中没有的字段：{exc.message}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise DocumentError(f"模板 {template.name} 的标签有语法错误：{exc.message}") from exc
    except jinja2.TemplateError as exc:  # e.g. the sandbox refusing an unsafe attribute
        raise DocumentError(f"模板 {template.name} 无法渲染：{exc.message}") from exc
    _tidy_shading(tpl)
    out = BytesIO()
    tpl.save(out)
    return bulk.splice(out.getvalue(), blocks)


def template_fields(template: Path) -> set[str]:
    """Top-level names the template reads (docxtpl's undeclared variables)."""
    return set(_open(template).get_undeclared_template_variables())


def unknown_fields(template: Path, context: Mapping[str, Any]) -> list[str]:
    """Fields the template uses that ``context`` does not provide, sorted.

    Top-level names are checked, and so are dotted paths below them (``unit.nmae``),
    following ``for`` loops into the first element of the list they walk.
    """
    tpl = _open(template)
    missing = set(template_fields(template)) - set(context)
    ast = jinja2.Environment(autoescape=True).parse(_template_source(tpl))
    for path in _attribute_paths(ast):
        if path[0] in context and not _resolves(context, path):
            missing.add(_dotted(path))
    return sorted(missing)


def to_pdf(docx: bytes, *, timeout: float = 120) -> bytes | None:
    """The document as PDF via LibreOffice headless, or None when LibreOffice is not installed.

    Each call uses its own profile directory so parallel conversions (and a user's own
    running LibreOffice) do not block each other.
    """
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="dengbao-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx)
        command = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}
        proc = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)  # soffice starts soffice.bin in the same group
            proc.communicate()
            raise ConversionError(f"LibreOffice 在 {timeout:g} 秒内未完成 PDF 转换") from exc
        result = work / "document.pdf"
        if proc.returncode != 0 or not result.is_file():
            detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
            raise ConversionError(f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}）：{detail}")
        return result.read_bytes()


def sha256(data: bytes) -> str:
    """Hex digest recorded with each generated file, so a delivered copy can be verified."""
    return hashlib.sha256(data).hexdigest()


# --- internals -------------------------------------------------------------------------

_ITEM = object()  # path step meaning "an element of this list" (a for-loop variable)


def _open(template: Path) -> DocxTemplate:
    if not Path(template).is_file():
        raise DocumentError(f"模板文件不存在：{template}")
    tpl = DocxTemplate(template)
    try:
        tpl.init_docx()
    except Exception as exc:  # python-docx raises several types for a non-.docx file
        raise DocumentError(f"模板 {Path(template).name} 不是有效的 Word（.docx）文件") from exc
    return tpl


def _pictures(tpl: DocxTemplate, value: Any, where: str) -> Any:
    """The context with every ``Picture`` turned into docxtpl's inline image."""
    if isinstance(value, Picture):
        return _inline_image(tpl, where, value.path)
    if isinstance(value, dict):
        return {k: _pictures(tpl, v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_pictures(tpl, v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _inline_image(tpl: DocxTemplate, key: str, path: Path) -> InlineImage:
    if not path.is_file():
        raise DocumentError(f"图片“{key}”的文件不存在：{path}")
    try:
        image = Image.from_file(str(path))
    except UnrecognizedImageError as exc:
        raise DocumentError(f"图片“{key}”不是可识别的图片格式（PNG、JPEG、GIF、BMP、TIFF）：{path}") from exc
    section = tpl.docx.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    text_height = section.page_height - section.top_margin - section.bottom_margin
    width = min(image.width, text_width)
    max_height = int(text_height * MAX_IMAGE_HEIGHT_SHARE)
    if image.height and width * image.height / image.width > max_height:
        width = int(max_height * image.width / image.height)
    return InlineImage(tpl, str(path), width=Emu(int(width)))


# Schema order of a cell's properties (CT_TcPr); Word rejects some files that break it.
_TCPR_ORDER = [qn(f"w:{t}") for t in (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
    "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge",
    "tcPrChange",
)]  # fmt: skip


def insert_cell_property(tc_pr: Any, element: Any) -> None:
    """Put ``element`` into a ``w:tcPr`` at its schema position (replacing one of its kind)."""
    for old in tc_pr.findall(element.tag):
        tc_pr.remove(old)
    rank = _TCPR_ORDER.index(element.tag)
    for i, child in enumerate(tc_pr):
        if child.tag in _TCPR_ORDER and _TCPR_ORDER.index(child.tag) > rank:
            tc_pr.insert(i, element)
            return
    tc_pr.append(element)


def _tidy_shading(tpl: DocxTemplate) -> None:
    """docxtpl's cellbg puts ``w:shd`` first in the cell properties: move it where the schema
    wants it, and drop it when its colour is empty (the unmarked cells)."""
    for shd in list(tpl.docx.element.body.iter(qn("w:shd"))):
        tc_pr = shd.getparent()
        if tc_pr.tag != qn("w:tcPr"):
            continue
        tc_pr.remove(shd)
        if shd.get(qn("w:fill")):
            insert_cell_property(tc_pr, shd)


def _template_source(tpl: DocxTemplate) -> str:
    """The Jinja source docxtpl renders: body plus headers and footers, after its tag clean-up."""
    xml = tpl.patch_xml(tpl.xml_to_string(tpl.docx.element.body))
    for rel in tpl.docx.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and not rel.is_external:
            xml += tpl.patch_xml(tpl.get_part_xml(rel.target_part))
    return xml


def _attribute_paths(ast: nodes.Node) -> Iterator[tuple[Any, ...]]:
    """Dotted paths (root name, attr, …) the template reads, loop variables resolved to
    ``(list path…, _ITEM, attr…)``."""
    bound: dict[str, tuple[Any, ...]] = {}

    def path_of(node: nodes.Node) -> tuple[Any, ...] | None:
        if isinstance(node, nodes.Name):
            return bound.get(node.name, (node.name,))
        if isinstance(node, nodes.Getattr):
            base = path_of(node.node)
            return None if base is None else (*base, node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = path_of(node.node)
            return None if base is None else (*base, node.arg.value)
        return None

    def walk(node: nodes.Node) -> Iterator[tuple[Any, ...]]:
        if isinstance(node, nodes.For) and isinstance(node.target, nodes.Name):
            yield from walk(node.iter)
            source = path_of(node.iter)
            previous = bound.get(node.target.name)
            if source is not None:
                bound[node.target.name] = (*source, _ITEM)
            for child in [*node.body, *node.else_, *([node.test] if node.test else [])]:
                yield from walk(child)
            if previous is None:
                bound.pop(node.target.name, None)
            else:
                bound[node.target.name] = previous
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            path = path_of(node)
            if path is not None and len(path) > 1:
                yield path
                return
        for child in node.iter_child_nodes():
            yield from walk(child)

    yield from walk(ast)


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
    value: Any = context
    for step in path:
        if value is None:
            return True  # an optional slot (an image left out): nothing below it to check
        if step is _ITEM:
            items = list(value) if isinstance(value, list | tuple) else []
            if not items:
                return True  # an empty list cannot show a wrong field
            value = items[0]
        elif isinstance(value, Mapping) and step in value:
            value = value[step]
        elif isinstance(step, int) and isinstance(value, list | tuple) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and not step.startswith("_") and hasattr(value, step):
            value = getattr(value, step)
        else:
            return False
    return True
