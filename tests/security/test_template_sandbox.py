"""Issue #13, finding 1: an uploaded Word template ran code on the server.

Pictures in a document context were docxtpl ``InlineImage`` objects, so
``{% set x = chart %}{{ x.tpl.template_file.parent.joinpath(...).read_text() }}`` read any file
and ``write_text`` wrote one. Now a template sees plain data only, the sandbox refuses every
attribute but a dict key, and an organisation's template renders in a limited child process.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import jinja2
import pytest

from dengbao.core.catalogue import default as catalogue
from dengbao.core.documents import assessment_report as ar
from dengbao.core.documents import builder, kinds, plain
from dengbao.core.documents.isolation import RenderLimits
from dengbao.core.documents.pictures import sample_png
from dengbao.core.documents.report_samples import sample_input
from dengbao.core.documents.sandbox import PlainDataSandbox

SMALL = RenderLimits(cpu_seconds=3, wall_seconds=120, memory_mb=300, output_mb=1)
NESTED_BILLION = "{% for a in range(100000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"


def template_with(tmp_path: Path, kind: str, *paragraphs: str, name: str = "ours.docx") -> Path:
    """The shipped template of ``kind`` with ``paragraphs`` added at the end (an organisation's edit)."""
    document = docx.Document(str(kinds.KINDS[kind].default))
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / name
    document.save(str(path))
    return path


def read_attack(picture: str, target: Path) -> str:
    """The reported attack: from a picture to docxtpl's template, its pathlib.Path, any file
    (guarded by ``if``, which got it past the old check's picture-less sample data)."""
    path = f"x.tpl.template_file.parent.joinpath('{target}')"
    return f"{{% set x = {picture} %}}{{% if x %}}{{{{ {path}.read_text() }}}}{{% endif %}}"


def write_attack(picture: str, target: Path) -> str:
    path = f"x.tpl.template_file.parent.joinpath('{target}')"
    return f"{{% set x = {picture} %}}{{% if x %}}{{{{ {path}.write_text('owned') }}}}{{% endif %}}"


def document_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(
            archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xml")
        )


def drawings(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml").decode().count("<w:drawing>")


# --- the reported attack, through every picture slot ----------------------------------------

PICTURE_SLOTS = [
    (kind, slot.replace("[]", "[0]")) for kind, spec in kinds.KINDS.items() for slot in spec.pictures
]


@pytest.mark.parametrize(("kind", "slot"), PICTURE_SLOTS)
def test_reading_a_file_through_a_picture_is_refused(tmp_path, kind, slot):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7b1d-CONTENT")
    template = template_with(tmp_path, kind, read_attack(slot, secret))
    problems = kinds.check_template(template, kind)
    assert problems, "the upload check accepted a template that reads a file"
    assert any(".tpl" in p or "属性“tpl”" in p for p in problems), problems
    with pytest.raises(builder.DocumentError, match="tpl"):
        kinds.render_sample(template, kind)


def test_the_reported_attack_on_a_real_chart(tmp_path):
    """The exact template from the report, against the assessment report's real (matplotlib) charts."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7b1d-CONTENT")
    target = tmp_path / "written.pth"
    template = template_with(
        tmp_path,
        "assessment_report",
        read_attack("summary_chart", secret),
        write_attack("results_chart", target),
    )
    with pytest.raises(builder.DocumentError, match="模板不能读取字符串的属性“tpl”"):
        ar.render_assessment_report(sample_input(), catalogue(), template=template)
    assert not target.exists()


def test_writing_a_file_through_a_picture_is_refused(tmp_path):
    target = tmp_path / "owned.pth"
    template = template_with(tmp_path, "grading_report", write_attack("topology", target))
    assert kinds.check_template(template, "grading_report")
    with pytest.raises(builder.DocumentError):
        kinds.render_sample(template, "grading_report")
    assert not target.exists()


# --- every value a template can see -----------------------------------------------------------


def _representatives(value, expr: str, seen: dict) -> None:
    """One Jinja expression per kind of value in the context (str, marker, int, dict, list…)."""
    key = type(value).__name__
    if isinstance(value, str) and plain.PICTURE_MARKER.fullmatch(value):
        key = "picture"
    elif isinstance(value, str) and value.startswith("DENGBAO-BLOCKS-"):
        key = "blocks"
    seen.setdefault(key, expr)
    if isinstance(value, dict):
        for k, v in value.items():
            _representatives(v, f"{expr}[{k!r}]", seen)
    elif isinstance(value, list) and value:
        _representatives(value[0], f"{expr}[0]", seen)


ATTACKS = (
    "{{{{ {0}.__class__ }}}}",
    "{{{{ {0}.tpl.template_file }}}}",
    "{{{{ {0}.upper() }}}}",
    "{{{{ {0}.items() }}}}",
    "{{{{ {0}.__class__.__mro__[1].__subclasses__() }}}}",
    "{{{{ {0}|attr('__class__') }}}}",
    "{{{{ {0}['__class__'] }}}}",
    "{{% set x = {0} %}}{{{{ x.__init__.__globals__ }}}}",
    "{{{{ ({0}, 1)|first|attr('tpl') }}}}",
)


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_no_value_of_any_kind_exposes_an_attribute(kind, tmp_path):
    context = plain.to_plain(kinds.sample_context(kind, sample_png(tmp_path / "p.png"))).values
    assert plain.is_plain(context)
    seen: dict[str, str] = {}
    for name, value in context.items():
        _representatives(value, name, seen)
    assert {"str", "dict", "list"} <= set(seen)
    if kinds.KINDS[kind].pictures:
        assert "picture" in seen
    env = PlainDataSandbox()
    for expr in seen.values():
        for attack in ATTACKS:
            source = attack.format(expr)
            with pytest.raises(jinja2.TemplateError):  # SecurityError or UndefinedError: a refusal
                env.from_string(source).render(context)


@pytest.mark.parametrize(
    "smuggle",
    [
        "{% with c = results_chart %}{{ c.tpl }}{% endwith %}",
        "{% macro m(v) %}{{ v.tpl.template_file }}{% endmacro %}{{ m(summary_chart) }}",
        "{% macro m() %}{{ caller().tpl }}{% endmacro %}{% call m() %}{{ summary_chart }}{% endcall %}",
        "{% for c in categories %}{% set x = c.chart %}{{ x.tpl }}{% endfor %}",
        "{% set ns = namespace(c=summary_chart) %}{{ ns.c.tpl }}",
        "{% set parts = [summary_chart] %}{{ (parts|first).tpl }}",
        "{{ summary_chart|attr('tpl') }}",
        "{{ categories|map(attribute='chart.tpl')|list }}",
        "{{ lipsum.__globals__ }}{{ cycler.__init__ }}",
        "{{ self.__init__.__globals__ }}",
        "{{ '{0.__class__}'.format(summary_chart) }}",
    ],
)
def test_smuggling_through_set_with_macros_and_filters_is_refused(tmp_path, smuggle):
    template = template_with(tmp_path, "assessment_report", smuggle)
    problems = kinds.check_template(template, "assessment_report")
    assert problems, smuggle


def test_the_checker_follows_set_with_and_macros_to_name_the_field(tmp_path):
    template = template_with(
        tmp_path,
        "assessment_report",
        "{% for c in categories %}{% set x = c.chart %}{{ x.tpl }}{% endfor %}",
        "{% with s = system %}{{ s.nmae }}{% endwith %}",
        "{% macro row(r) %}{{ r.severity }}{% endmacro %}{% for r in risks %}{{ row(r) }}{% endfor %}",
    )
    context = kinds.sample_context("assessment_report", sample_png(tmp_path / "p.png"))
    assert builder.unknown_fields(template, context) == [
        "categories[].chart.tpl",
        "risks[].severity",
        "system.nmae",
    ]


def test_what_a_template_legitimately_does_still_works():
    env = PlainDataSandbox()
    context = {"rows": [{"name": "HIS", "items": 3}, {"name": "EMR", "items": 4}], "title": "报告"}
    source = (
        "{% set ns = namespace(total=0) %}{% for r in rows %}{{ loop.index }}.{{ r.name|lower }}"
        "{% set ns.total = ns.total + r.items %}{% if not loop.last %}、{% endif %}{% endfor %}"
        " {{ ns.total }} {{ rows|map(attribute='name')|join('/') }} {{ title|replace('报告', '方案') }}"
        " {{ rows[1]['name'] }} {{ rows|length }} {{ dict(a=1).a }}"
    )
    assert env.from_string(source).render(context) == "1.his、2.emr 7 HIS/EMR 方案 EMR 2 1"


# --- limits -----------------------------------------------------------------------------------


def test_a_billion_iterations_stop_at_the_cpu_limit(tmp_path):
    template = template_with(tmp_path, "gap_list", NESTED_BILLION)
    with pytest.raises(builder.TemplateLimitError, match="渲染超过 CPU 时间上限 3 秒") as caught:
        kinds.render_sample(template, "gap_list", limits=SMALL)
    assert caught.value.limit == "cpu"
    assert kinds.check_template(template, "gap_list", limits=SMALL) == [
        "用演示数据渲染失败：模板 ours.docx 渲染超过 CPU 时间上限 3 秒，已停止"
    ]


def test_a_range_of_a_billion_is_refused_outright(tmp_path):
    template = template_with(tmp_path, "gap_list", "{% for i in range(1000000000) %}x{% endfor %}")
    with pytest.raises(builder.DocumentError, match=r"range\(\) 的项数超过上限 100000"):
        kinds.render_sample(template, "gap_list", limits=SMALL)


def test_the_wall_clock_limit_kills_the_child(tmp_path):
    template = template_with(tmp_path, "gap_list", NESTED_BILLION)
    limits = RenderLimits(cpu_seconds=600, wall_seconds=2)
    with pytest.raises(builder.TemplateLimitError, match="渲染超过时间上限 2 秒，已终止") as caught:
        kinds.render_sample(template, "gap_list", limits=limits)
    assert caught.value.limit == "wall"


def test_a_memory_bomb_is_stopped(tmp_path):
    bomb = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
    template = template_with(tmp_path, "gap_list", bomb + "{{ ns.s|length }}")
    with pytest.raises(builder.TemplateLimitError, match="渲染超过内存上限 300 MB") as caught:
        kinds.render_sample(template, "gap_list", limits=SMALL)
    assert caught.value.limit == "memory"


def test_a_huge_output_is_refused(tmp_path):
    huge = "{% for a in range(100000) %}{% for b in range(100) %}0123456789abcdef{% endfor %}{% endfor %}"
    template = template_with(tmp_path, "gap_list", huge)
    with pytest.raises(builder.TemplateLimitError, match="渲染的输出超过上限 1 MB") as caught:
        kinds.render_sample(template, "gap_list", limits=SMALL)
    assert caught.value.limit == "output"
    assert "输出超过上限 1 MB" in kinds.check_template(template, "gap_list", limits=SMALL)[0]


def test_limits_come_from_the_environment():
    limits = RenderLimits.from_env({"DENGBAO_TEMPLATE_CPU_SECONDS": "7", "DENGBAO_TEMPLATE_OUTPUT_MB": "3"})
    assert (limits.cpu_seconds, limits.wall_seconds, limits.memory_mb, limits.output_mb) == (7, 45, 1024, 3)
    with pytest.raises(ValueError, match="DENGBAO_TEMPLATE_MEMORY_MB"):
        RenderLimits.from_env({"DENGBAO_TEMPLATE_MEMORY_MB": "lots"})


# --- a legitimate organisation template ---------------------------------------------------------


def test_an_edited_shipped_template_renders_with_its_charts_and_appendix_d(tmp_path):
    template = template_with(
        tmp_path,
        "assessment_report",
        "江城安测格式：{{ system.name|upper }}，{% set c = conclusion %}{{ c.text }}",
        "{% macro cat(x) %}{{ x.number }} {{ x.name }}（{{ x.rate }}）{% endmacro %}"
        "{% for x in categories %}{{ cat(x) }}{% if not loop.last %}；{% endif %}{% endfor %}",
        "{{ summary_chart }}",
    )
    assert kinds.check_template(template, "assessment_report") == []
    data = sample_input()
    shipped = ar.render_assessment_report(data, catalogue())
    ours = ar.render_assessment_report(data, catalogue(), template=template)
    text = document_text(ours)
    assert f"江城安测格式：{data.system_name.upper()}，{data.score.conclusion}" in text
    categories = ar.assessment_report_context(data, catalogue())["categories"]
    assert "；".join(f"{c['number']} {c['name']}（{c['rate']}）" for c in categories) in text
    assert drawings(shipped) == 2 + len(categories)
    assert drawings(ours) == drawings(shipped) + 1  # the summary chart printed once more
    appendix_rows = document_text(shipped).count("<w:tr>")
    assert appendix_rows > len(data.results) and document_text(ours).count("<w:tr>") == appendix_rows
    assert "DENGBAO-" not in text


def test_declared_picture_slots_are_where_the_reports_put_pictures(tmp_path):
    """The check's sample data fills ``kinds.pictures``; those must be every place a real render
    puts a picture, or an attack through an undeclared one would go unchecked."""
    from dengbao.core.documents import monitoring_report, retest_report, samples, scan_report
    from dengbao.core.documents import report_samples as rs

    drawn = {
        "assessment_report": ar.assessment_report_context(sample_input(), catalogue(), tmp_path),
        "scan_report": scan_report.scan_report_context(rs.sample_scan_input(), tmp_path),
        "monitoring_report": monitoring_report.monitoring_context(rs.sample_monitoring_month(), tmp_path),
        "retest_report": retest_report.retest_report_context(samples.RETEST, tmp_path),
    }

    def slots(value, path: str) -> set[str]:
        if isinstance(value, plain.Picture):
            return {path}
        if isinstance(value, dict):
            return set().union(*(slots(v, f"{path}.{k}" if path else k) for k, v in value.items()))
        if isinstance(value, list):
            return set().union(*(slots(v, f"{path}[]") for v in value))
        return set()

    for kind, context in drawn.items():
        assert slots(context, "") == set(kinds.KINDS[kind].pictures), kind
    assert kinds.KINDS["grading_report"].pictures == ("topology",)  # render_grading_report's images
