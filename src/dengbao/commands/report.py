"""`dengbao report …`: the 测评报告, the gap list, the 保护工作方案 and the whole deliverable set from the
command line."""

from __future__ import annotations

from pathlib import Path

import click

from .common import cli_actor, project_option, user_option
from .docs import _system

OUTPUT = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))


def _project(username: str | None, slug: str):
    actor = cli_actor(username)
    from dengbao.accounts import permissions

    return actor, permissions.project_for(actor, slug, "project.view_internal")


def _done(made, output: Path) -> None:
    output.write_bytes(made.content)
    d = made.document
    click.echo(f"{d.filename} v{d.version} sha256={d.sha256} -> {output}")


@click.group(name="report")
def command() -> None:
    """测评报告、差距分析问题列表与全部交付文档 (Word / Excel / PDF / zip)."""


@command.command(name="assessment")
@click.option("--system", "system_ref", required=True, help="system ID, code or name")
@click.option("--round", "round_number", type=int, help="round number (default: the latest)")
@click.option("--pdf", is_flag=True, help="also write FILE.pdf (needs LibreOffice)")
@OUTPUT
@project_option
@user_option
def assessment_cmd(
    system_ref: str,
    round_number: int | None,
    pdf: bool,
    output: Path,
    project_slug: str,
    username: str | None,
) -> None:
    """网络安全等级测评报告 of one system (the assessment that covers it)."""
    actor, project = _project(username, project_slug)
    from dengbao.core.documents.builder import ConversionError, DocumentError
    from dengbao.reports.assessment_documents import make_assessment_report
    from dengbao.systems.documents import DocumentNotReady

    system = _system(project, system_ref)
    try:
        made = make_assessment_report(
            actor=actor, project=project, system=system, round_number=round_number, pdf=pdf
        )
    except DocumentNotReady as exc:
        raise click.ClickException(exc.messages[0]) from None
    except (DocumentError, ConversionError) as exc:
        raise click.ClickException(str(exc)) from None
    _done(made, output)
    if pdf:
        target = output.with_suffix(".pdf")
        with made.document.pdf.open("rb") as stored:
            target.write_bytes(stored.read())
        click.echo(f"PDF -> {target}")


@command.command(name="gaps")
@OUTPUT
@project_option
@user_option
def gaps_cmd(output: Path, project_slug: str, username: str | None) -> None:
    """差距分析问题列表 of every assessment in the project (.xlsx)."""
    actor, project = _project(username, project_slug)
    from dengbao.reports.bundle import make_gap_list_xlsx

    _done(make_gap_list_xlsx(actor=actor, project=project), output)


def _assessment(project, ref: str):
    from django.db.models import Q

    query = Q(name=ref) | (Q(pk=int(ref)) if ref.isdigit() else Q())
    assessment = project.assessments.filter(query).first()
    if assessment is None:
        names = "、".join(project.assessments.values_list("name", flat=True)) or "无"
        raise click.UsageError(f"no assessment {ref!r} in project {project.slug} (有：{names})")
    return assessment


def _plan(kind: str, assessment_ref: str, output: Path, project_slug: str, username: str | None) -> None:
    actor, project = _project(username, project_slug)
    from dengbao.reports import plan_documents
    from dengbao.systems.documents import DocumentNotReady

    maker = {
        "gaps": plan_documents.make_gap_list_docx,
        "plan": plan_documents.make_remediation_plan,
        "retest": plan_documents.make_retest_report,
    }[kind]
    try:
        made = maker(actor=actor, project=project, assessment=_assessment(project, assessment_ref))
    except DocumentNotReady as exc:
        raise click.ClickException(exc.messages[0]) from None
    _done(made, output)


ASSESSMENT = click.option("--assessment", "assessment_ref", required=True, help="assessment ID or name")


@command.command(name="gaps-docx")
@ASSESSMENT
@OUTPUT
@project_option
@user_option
def gaps_docx_cmd(assessment_ref: str, output: Path, project_slug: str, username: str | None) -> None:
    """差距分析问题列表 of one assessment (Word)."""
    _plan("gaps", assessment_ref, output, project_slug, username)


@command.command(name="plan")
@ASSESSMENT
@OUTPUT
@project_option
@user_option
def plan_cmd(assessment_ref: str, output: Path, project_slug: str, username: str | None) -> None:
    """安全整改方案 of one assessment (Word)."""
    _plan("plan", assessment_ref, output, project_slug, username)


@command.command(name="retest")
@ASSESSMENT
@OUTPUT
@project_option
@user_option
def retest_cmd(assessment_ref: str, output: Path, project_slug: str, username: str | None) -> None:
    """复测对比报告: the latest round against the one before (Word)."""
    _plan("retest", assessment_ref, output, project_slug, username)


@command.command(name="scan")
@click.option("--import", "import_id", required=True, type=int, help="the scan-report import's ID")
@OUTPUT
@project_option
@user_option
def scan_cmd(import_id: int, output: Path, project_slug: str, username: str | None) -> None:
    """漏洞扫描报告 of one imported (or platform-run) scan (Word)."""
    actor, project = _project(username, project_slug)
    from dengbao.reports.scan_documents import make_scan_report

    _done(make_scan_report(actor=actor, project=project, import_id=import_id), output)


@command.command(name="monitoring")
@click.option("--month", required=True, help="YYYY-MM")
@OUTPUT
@project_option
@user_option
def monitoring_cmd(month: str, output: Path, project_slug: str, username: str | None) -> None:
    """网站监测月报 of one month (Word)."""
    year, _sep, number = month.partition("-")
    if not (year.isdigit() and number.isdigit()):
        raise click.BadParameter("--month: YYYY-MM, e.g. 2026-11")
    actor, project = _project(username, project_slug)
    from dengbao.reports.service_documents import make_monitoring_report

    try:
        made = make_monitoring_report(actor=actor, project=project, year=int(year), month=int(number))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    _done(made, output)


@command.command(name="bundle")
@OUTPUT
@project_option
@user_option
def bundle_cmd(output: Path, project_slug: str, username: str | None) -> None:
    """All deliverables: per system 定级报告, 备案表, 测评报告, plus the gap list, as one zip."""
    actor, project = _project(username, project_slug)
    from dengbao.reports.bundle import make_bundle

    with click.progressbar(length=1, label="生成交付文档", file=click.get_text_stream("stderr")) as bar:

        def progress(done: int, total: int, step: str) -> None:
            bar.length = total
            bar.label = step[:40]
            bar.update(done - bar.pos)

        bundle = make_bundle(actor=actor, project=project, progress=progress)
    output.write_bytes(bundle.content)
    click.echo(f"{len(bundle.documents)} documents -> {output}")
    for line in bundle.missing:
        click.echo(f"未生成：{line}", err=True)


@command.command(name="protection-plan")
@click.option("--system", "system_ref", required=True, help="system ID, code or name (level 3 or above)")
@OUTPUT
@project_option
@user_option
def protection_plan_cmd(system_ref: str, output: Path, project_slug: str, username: str | None) -> None:
    """保护工作方案 of one system of level 3 or above (Word), from its latest finalised assessment."""
    actor, project = _project(username, project_slug)
    from dengbao.reports.protection_plan import make_protection_plan
    from dengbao.systems.documents import DocumentNotReady

    try:
        made = make_protection_plan(actor=actor, project=project, system=_system(project, system_ref))
    except DocumentNotReady as exc:
        raise click.ClickException(exc.messages[0]) from None
    except ValueError as exc:  # below level 3: refused
        raise click.ClickException(str(exc)) from None
    _done(made, output)
