"""Rendering an organisation's template in a child process with CPU, memory, output and time limits.

The sandbox (sandbox.py) decides what a template can reach; this decides how much it can
spend. The child is a fresh interpreter (``python -I -B``: no environment variables, no
user site, no bytecode written) that lowers its own limits before it opens the template:
``RLIMIT_CPU``, ``RLIMIT_AS``, ``RLIMIT_FSIZE``, no core dumps and no processes of its own.
It works in a private temporary directory holding a copy of the template, the plain
context and, at the end, its output; the parent kills it when the wall-clock limit
passes. Whatever ends it, the caller gets a ``DocumentError`` whose message names the limit.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from dengbao.core.envlimits import positive_ints
from dengbao.core.ziplimits import ZipRefused, check_zip

from .errors import DocumentError, TemplateLimitError

log = logging.getLogger("dengbao.documents")

MB = 1024 * 1024
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # the directory holding ``dengbao``
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[2]); "
    "from dengbao.core.documents.template_child import main; main(sys.argv[1])"
)


@dataclass(frozen=True)
class RenderLimits:
    """What one render of an organisation's template may spend (settings ``DENGBAO_TEMPLATE_*``)."""

    cpu_seconds: int = 30
    wall_seconds: int = 45
    memory_mb: int = 1024
    output_mb: int = 50

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RenderLimits:
        """The limits the ``DENGBAO_TEMPLATE_*`` variables set (settings and the CLI read them here)."""
        return cls(**positive_ints(environ, _VARIABLES))

    @property
    def output_chars(self) -> int:
        return self.output_mb * MB

    def message(self, limit: str, name: str) -> str:
        """The user's words for going over ``limit``."""
        return {
            "cpu": f"模板 {name} 渲染超过 CPU 时间上限 {self.cpu_seconds} 秒，已停止",
            "wall": f"模板 {name} 渲染超过时间上限 {self.wall_seconds} 秒，已终止",
            "memory": f"模板 {name} 渲染超过内存上限 {self.memory_mb} MB，已停止",
            "output": f"模板 {name} 渲染的输出超过上限 {self.output_mb} MB，已停止",
        }[limit]


_VARIABLES = {
    "cpu_seconds": "DENGBAO_TEMPLATE_CPU_SECONDS",
    "wall_seconds": "DENGBAO_TEMPLATE_WALL_SECONDS",
    "memory_mb": "DENGBAO_TEMPLATE_MEMORY_MB",
    "output_mb": "DENGBAO_TEMPLATE_OUTPUT_MB",
}
_configured = RenderLimits()


def configure(limits: RenderLimits) -> None:
    """Set the limits used when a caller passes none (the Django app does this from settings)."""
    global _configured
    _configured = limits


def configured() -> RenderLimits:
    return _configured


@dataclass
class ChildResult:
    docx: bytes | None  # the rendered document (None when the check found problems)
    problems: list[str] = field(default_factory=list)  # fields the template reads that the context lacks


def render_isolated(
    template: Path,
    context: dict[str, Any],
    *,
    limits: RenderLimits,
    check: bool = False,
    name: str | None = None,
) -> ChildResult:
    """Render ``template`` with the plain ``context`` in a limited child; with ``check`` the
    child first looks for unknown fields and renders only when there are none.

    Raises ``TemplateLimitError`` for a limit, ``DocumentError`` for anything else the
    template did wrong; messages call the template ``name`` (default: its file name).
    """
    name = name or Path(template).name
    if not Path(template).is_file():
        raise DocumentError(f"模板文件不存在：{template}")
    try:
        check_zip(template)  # sizes, member count, compression ratio: before anything unzips it
    except ZipRefused as exc:
        raise DocumentError(f"模板 {name} 被拒绝：{exc}") from None
    with tempfile.TemporaryDirectory(prefix="dengbao-template-") as tmp:
        work = Path(tmp)
        shutil.copyfile(template, work / "template.docx")
        job: dict[str, Any] = {"mode": "check" if check else "render", "name": name, "context": context}
        job["limits"] = asdict(limits)
        job["file_limit"] = _file_limit(work / "template.docx", limits)
        (work / "job.pickle").write_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        returncode, killed = _run_child(work, limits)
        result_file = work / "result.json"
        if result_file.is_file():
            result = json.loads(result_file.read_text(encoding="utf-8"))
        elif killed:
            raise TemplateLimitError("wall", limits.message("wall", name))
        elif returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise TemplateLimitError("cpu", limits.message("cpu", name))
        else:
            tail = (work / "stderr.txt").read_bytes()[-2000:].decode("utf-8", "replace")
            log.warning("template child for %s ended with %s: %s", name, returncode, tail)
            how = f"信号 {signal.Signals(-returncode).name}" if returncode < 0 else f"退出码 {returncode}"
            raise DocumentError(
                f"模板 {name} 的渲染进程异常结束（{how}），可能超过了内存上限 {limits.memory_mb} MB"
            )
        status = result["status"]
        if status == "limit":
            raise TemplateLimitError(result["limit"], limits.message(result["limit"], name))
        if status == "error":
            raise DocumentError(result["message"])
        if status == "problems":
            return ChildResult(None, result["problems"])
        docx = (work / "output.docx").read_bytes()
    _check_output(docx, job["file_limit"], name)
    return ChildResult(docx)


def _run_child(work: Path, limits: RenderLimits) -> tuple[int, bool]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(work),
        "TMPDIR": str(work),
    }
    with (work / "stderr.txt").open("wb") as stderr:
        proc = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [sys.executable, "-I", "-B", "-c", _BOOT, str(work), str(_PACKAGE_ROOT)],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            close_fds=True,
        )
        try:
            return proc.wait(timeout=limits.wall_seconds), False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return proc.wait(), True
        except BaseException:  # the caller was interrupted: leave no child behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise


def _file_limit(template: Path, limits: RenderLimits) -> int:
    """The most the child may write to one file: the template plus its output, UTF-8 at its widest."""
    return template.stat().st_size + 4 * limits.output_chars + 2 * MB


def _check_output(docx: bytes, limit: int, name: str) -> None:
    """The child's .docx is within the limits before the parent opens it (it cannot be, but
    the parent does not take the child's word for it)."""
    if len(docx) > limit:
        raise TemplateLimitError("output", f"模板 {name} 渲染的结果过大")
    try:
        with zipfile.ZipFile(BytesIO(docx)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise DocumentError(f"模板 {name} 的渲染结果不是有效的 .docx") from exc
    if total > 2 * limit:
        raise TemplateLimitError("output", f"模板 {name} 渲染的结果过大")
