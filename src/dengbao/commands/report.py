"""`dengbao report …`: the 测评报告, the gap list and the whole deliverable set from the command line."""

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
    from dengbao.reports.documents import DocumentNotReady

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
    from dengbao.reports.documents import DocumentNotReady

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


# --- any kind of the registry: `dengbao report make KIND …` -----------------------------------

# The CLI names some objects by code or name as well as by ID.
_LOOKUPS = {"system_id": lambda project, ref: _system(project, ref).pk,
            "assessment_id": lambda project, ref: _assessment(project, ref).pk}  # fmt: skip


class _KindsCommand(click.Command):
    """`make`, with one option per parameter any document kind takes (read from the registry
    when the command is built) and the kinds listed in its help."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._options_added = False

    def _add_options(self) -> None:
        if self._options_added:
            return
        self._options_added = True
        from dengbao.commands.common import setup_django

        setup_django()
        from dengbao.reports.documents import kinds

        seen: dict = {}
        for spec in kinds().values():
            for param in spec.params:
                seen.setdefault(param.field, (param, []))[1].append(spec.name)
        for field, (param, users) in seen.items():
            help_text = f"{param.help} ({', '.join(users)})"
            option = click.Option([param.option, field], is_flag=param.flag, help=help_text)
            self.params.insert(-3, option)

    def get_params(self, ctx):
        self._add_options()
        return super().get_params(ctx)

    def parse_args(self, ctx, args):
        self._add_options()
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from dengbao.reports.documents import kinds

        with formatter.section("Kinds (KIND)"):
            formatter.write_dl([(k.name, str(k.label)) for k in kinds().values()])


@command.command(name="make", cls=_KindsCommand)
@click.argument("kind_name", metavar="KIND")
@OUTPUT
@project_option
@user_option
def make_cmd(kind_name: str, output: Path, project_slug: str, username: str | None, **values) -> None:
    """任一类文档 (any document kind, listed below) with the parameters it takes."""
    actor, project = _project(username, project_slug)
    from dengbao.core.documents.builder import ConversionError, DocumentError
    from dengbao.reports.documents import DocumentNotReady, document_make, kinds

    if kind_name not in kinds():
        raise click.UsageError(f"unknown kind {kind_name!r} (未知的文档类型); one of: {', '.join(kinds())}")
    spec = kinds()[kind_name]
    given = {k: v for k, v in values.items() if v not in (None, False)}
    for field, lookup in _LOOKUPS.items():
        if given.get(field):
            given[field] = lookup(project, given[field])
    try:
        spec.check(project, spec.job_params(given))
        args = spec.args(project, spec.job_params(given))
        made = document_make(actor=actor, project=project, kind=spec, **args)
    except DocumentNotReady as exc:
        raise click.ClickException(exc.messages[0]) from None
    except (DocumentError, ConversionError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    _done(made, output)
