"""`dengbao evidence ocr`: read the text of evidence screenshots that were not read (or all again)."""

from __future__ import annotations

import sys

import click

from .common import cli_actor, cli_setup, echo_json, project_option, user_option


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


@group.command(name="propose")
@click.option("--assessment", "assessment_id", type=int, required=True, help="assessment ID")
@click.option("--object", "obj_name", required=True, help="assessment object name (测评对象名称)")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@project_option
@user_option
def propose_cmd(
    assessment_id: int, obj_name: str, as_json: bool, project_slug: str, username: str | None
) -> None:
    """Run the screenshot (OCR) rules over an object's read screenshots: lower-confidence proposals."""
    actor = cli_actor(username)
    from django.core.exceptions import ValidationError

    from dengbao.accounts import permissions
    from dengbao.assessments import selectors
    from dengbao.collection import ocr_services

    project = permissions.project_for(actor, project_slug, "project.view_internal")
    assessment = selectors.assessment_get(actor=actor, project=project, assessment_id=assessment_id)
    obj = assessment.test_objects.filter(name=obj_name).first()
    if obj is None:
        raise click.ClickException(f"测评对象“{obj_name}”不在该测评中")
    try:
        summary = ocr_services.screenshots_propose(actor=actor, obj=obj)
    except ValidationError as exc:
        raise click.ClickException("；".join(exc.messages)) from None
    out = summary.as_json()
    for unit, proposal in zip(out["units"], summary.proposals, strict=True):
        unit["confidence"] = "low" if proposal.low_confidence else "normal"
    if as_json:
        echo_json(out)
        return
    c = summary.counts
    rules = f"通过 {c['pass']}，不通过 {c['fail']}，不适用 {c['na']}"
    click.echo(f"{obj.name}（截图文字）：规则 {rules}；建议 {out['proposals']} 条")
    for unit in out["units"]:
        click.echo(f"  #{unit['proposal']} {unit['unit']} {unit['result']}（低置信度）")
    for warning in summary.warnings:
        click.echo(f"警告：{warning}")
