"""The one document builder: docxtpl template + context (+ images) → .docx bytes, → PDF.

Every document the platform makes goes through ``render_docx``, so escaping, strict fields,
image sizing and the empty-shading convention behave the same everywhere. A template sees
plain data only (plain.py) in a sandbox that refuses every attribute but a dict key
(sandbox.py); an organisation's template also renders in a child process with CPU, memory,
output and time limits (isolation.py). ``check_template_file`` is what an uploaded
replacement template has to pass before it is used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dengbao.core.ziplimits import ZipRefused, check_zip

from . import bulk, isolation, sandbox
from .errors import ConversionError, DocumentError, TemplateLimitError
from .isolation import RenderLimits
from .pictures import check_pictures, place_pictures
from .plain import Picture, PlainContext, to_plain
from .shading import insert_cell_property
from .template_check import template_fields, unknown_fields

__all__ = [
    "ConversionError",
    "DocumentError",
    "Picture",
    "RenderLimits",
    "TemplateLimitError",
    "check_template_file",
    "insert_cell_property",
    "is_shipped",
    "render_docx",
    "sha256",
    "template_fields",
    "to_pdf",
    "unknown_fields",
]

SHIPPED = Path(__file__).resolve().parent / "templates"


def render_docx(
    template: Path,
    context: Mapping[str, Any],
    *,
    images: Mapping[str, Path] | None = None,
    limits: RenderLimits | None = None,
    isolate: bool | None = None,
) -> bytes:
    """Render ``template`` with ``context``; each ``images`` entry replaces the context key of
    the same name with the picture, scaled to fit the page.

    Values are XML-escaped (a "<" in a system description cannot break the file) and a field
    the context lacks is an error rather than a silent blank. A template other than a shipped
    one renders in the limited child (``isolate`` overrides that; ``limits`` default to the
    configured ones). Pictures go in after the template has run, where it printed their
    markers; a ``bulk.Blocks`` value (the long result appendix) is streamed in in place of
    its paragraph. A table cell shaded with ``{% cellbg "" %}`` (an empty colour) gets no
    shading at all, which is how the templates mark "this cell only".
    """
    template = Path(template)
    values = dict(context)
    for key, path in (images or {}).items():
        values[key] = Picture(path)
    plain = to_plain(values)
    check_pictures(plain.pictures)
    if isolate is None:
        isolate = not is_shipped(template)
    if isolate:
        docx = isolation.render_isolated(template, plain.values, limits=limits or isolation.configured()).docx
        assert docx is not None  # only a check run (check=True) comes back without a document
    else:
        docx = sandbox.render_template(template, plain.values)
    return _finish(docx, plain)


def check_template_file(
    template: Path, context: Mapping[str, Any], *, limits: RenderLimits | None = None, name: str | None = None
) -> list[str]:
    """Problems of a replacement template, in the user's words (empty: accepted).

    In the limited child: the fields it reads that ``context`` lacks, and when there are none
    a render with ``context``; then the pictures are put in as for a real document. Every
    refusal — unreadable file, unknown field, refused attribute, a limit — is a problem
    here, never an exception.
    """
    try:
        check_zip(Path(template))
    except ZipRefused as exc:
        return [f"模板文件被拒绝：{exc}"]
    plain = to_plain(context)
    try:
        check_pictures(plain.pictures)
        result = isolation.render_isolated(
            Path(template), plain.values, limits=limits or isolation.configured(), check=True, name=name
        )
        if result.docx is None:
            return result.problems
        _finish(result.docx, plain)
    except DocumentError as exc:
        return [f"用演示数据渲染失败：{exc}"]
    return []


def is_shipped(template: Path) -> bool:
    """Whether ``template`` is one of the platform's own (rendered in-process, still sandboxed)."""
    return Path(template).resolve().parent == SHIPPED


def _finish(docx: bytes, plain: PlainContext) -> bytes:
    try:
        return bulk.splice(place_pictures(docx, plain.pictures), plain.blocks)
    except ValueError as exc:
        if isinstance(exc, DocumentError):
            raise
        raise DocumentError(
            "模板中找不到长表格（如附录D的 {{ appendix_d }}）的位置：该字段须单独占一段"
        ) from exc


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
