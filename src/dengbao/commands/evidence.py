"""`dengbao evidence ocr`: read the text of evidence screenshots that were not read (or all again)."""

from __future__ import annotations

import sys

import click

from .common import cli_setup, echo_json


@click.group(name="evidence")
def group() -> None:
    """证据文件：截图文字识别 (evidence files)."""


@group.command(name="ocr")
@click.option("--all", "everything", is_flag=True, help="read every image again, also those already read")
@click.option("--missing", is_flag=True, help="read images not read yet or that failed (the default)")
@click.option("--json", "as_json", is_flag=True, help="print the counts as JSON")
def ocr_cmd(everything: bool, missing: bool, as_json: bool) -> None:
    """Read evidence screenshots with offline OCR now, in this process, with a progress bar."""
    if everything and missing:
        raise click.UsageError("--all and --missing exclude each other")
    cli_setup()
    from dengbao.assessments import evidence_ocr
    from dengbao.core import ocr

    if not ocr.available():
        raise click.ClickException(
            f"offline OCR engine not installed (未安装文字识别引擎): {ocr.INSTALL_HINT}"
        )
    ids = list(evidence_ocr.to_read(everything=everything).values_list("pk", flat=True))
    with click.progressbar(length=len(ids), label="识别截图文字", file=sys.stderr) as bar:
        counts = evidence_ocr.read_many(ids, progress=bar.update)
    if as_json:
        echo_json({"images": len(ids), "states": counts})
    else:
        click.echo(f"{len(ids)} image(s): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
