"""The child process of isolation.py: lower its own limits, then check and/or render one template.

Everything it reads and writes is in the work directory its parent made: ``job.pickle`` (the
plain context, written by the parent), ``template.docx``, and at the end ``output.docx``
and ``result.json``. It never unpickles anything the template produced.
"""

from __future__ import annotations

import errno
import json
import pickle
import resource
import sys
from pathlib import Path
from typing import Any

MB = 1024 * 1024


def main(work_dir: str) -> None:
    work = Path(work_dir)
    job = pickle.loads((work / "job.pickle").read_bytes())  # noqa: S301 - written by our parent
    _lower_limits(job["limits"], job["file_limit"])
    try:
        result = _run(job, work)
    except MemoryError:
        result = {"status": "limit", "limit": "memory"}
    (work / "result.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def _lower_limits(limits: dict[str, int], file_limit: int) -> None:
    cpu = limits["cpu_seconds"]
    memory = limits["memory_mb"] * MB
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # no processes (nor threads) of its own
    except (ValueError, OSError):
        pass


def _run(job: dict[str, Any], work: Path) -> dict[str, Any]:
    from .errors import DocumentError, TemplateLimitError
    from .sandbox import render_template
    from .template_check import unknown_fields

    template = work / "template.docx"
    context = job["context"]
    name = job["name"]
    try:
        if job["mode"] == "check":
            try:
                problems = unknown_fields(template, context, name=name)
            except DocumentError as exc:
                return {"status": "problems", "problems": [f"无法读取模板：{exc}"]}
            if problems:
                return {"status": "problems", "problems": [f"未知字段：{p}" for p in problems]}
        limit = job["limits"]["output_mb"] * MB
        docx = render_template(template, context, max_output=limit, name=name)
        (work / "output.docx").write_bytes(docx)
    except TemplateLimitError as exc:
        return {"status": "limit", "limit": exc.limit}
    except DocumentError as exc:
        return {"status": "error", "message": str(exc)}
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            return {"status": "limit", "limit": "output"}
        raise
    return {"status": "ok"}


if __name__ == "__main__":
    main(sys.argv[1])
