"""定级报告 and 备案表 for 江城市第一医院's 互联网医院 (S3A2), rendered and opened again with python-docx."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from dengbao.core.documents import builder, make_templates
from dengbao.core.documents.common import TEMPLATES
from dengbao.core.documents.filing_form import (
    filing_form_context,
    missing_for_filing_form,
    render_filing_form,
)
from dengbao.core.documents.grading_report import (
    grading_report_context,
    missing_for_grading_report,
    render_grading_report,
)
from dengbao.core.documents.pictures import sample_png
from dengbao.core.filing import DataCategory, GradingRecord, Materials, SystemProfile, Unit
from dengbao.core.grading import grade, parse_harms

RIGHTS = "公民、法人和其他组织的合法权益"
ORDER = "社会秩序、公共利益"


# --- data -------------------------------------------------------------------------------


def write_png(path: Path, width: int = 320, height: int = 180) -> Path:
    return sample_png(path, width=width, height=height)


UNIT = Unit(
    name="江城市第一医院",
    credit_code="12420100MB0000001X",
    province="湖北省",
    prefecture="江城市",
    county="江岸区",
    address="解放大道100号",
    postcode="430010",
    region_code="420102",
    head_name="张明",
    head_title="院长",
    head_phone="027-80000001",
    head_email="director@jcyy.example",
    department="信息中心",
    contact_name="李华",
    contact_title="主任",
    contact_phone="027-80000100",
    contact_mobile="13800000000",
    contact_email="it@jcyy.example",
    affiliation="3",
    unit_type="3",
    industry="卫生健康",
)
CATEGORIES = (
    DataCategory(
        name="患者诊疗数据",
        data_level="important",
        personal_info=True,
        volume="1.2 TB",
        monthly_growth="30 GB",
        source="患者、HIS",
        source_units="本院",
        recipients="市医保局",
        storage="本院机房",
    ),
    DataCategory(
        name="运营统计数据",
        data_level="general",
        volume="50 万条",
        monthly_growth="2 万条",
        source="系统生成",
        storage="政务云",
    ),
)


def internet_hospital(topology: str = "") -> SystemProfile:
    return SystemProfile(
        name="互联网医院",
        code="JCYY-IH-01",
        business_type="5",
        business_description="在线复诊、电子处方 <流转> & 医保结算",
        service_scope="30",
        service_audience="3",
        deployment_scope="3",
        network_nature="2",
        interconnections="与 HIS、市医保平台互联",
        technology_types=("cloud", "mobile"),
        go_live=dt.date(2021, 6, 1),
        responsible_subject="江城市第一医院为互联网医院的运营使用单位。\n信息中心负责日常运维。",
        composition="由互联网区的前置服务器、应用服务器、数据库服务器及安全设备组成。",
        topology_image=topology,
        carried_business="为复诊患者提供在线问诊、处方与支付。",
        carried_data="患者身份、诊疗记录、电子处方和支付数据。",
        security_responsibility="院长为网络安全第一责任人，信息中心主任为直接责任人。",
        data_categories=CATEGORIES,
    )


def record_for(business: str, service: str) -> GradingRecord:
    return GradingRecord(
        grading=grade(parse_harms(business), parse_harms(service)),
        business_description="业务信息包括患者身份、诊疗记录与电子处方。",
        service_description="为公众提供全天候在线诊疗服务。",
        graded_on=dt.date(2025, 3, 18),
        expert_reviewed=True,
        competent_authority="江城市卫生健康委员会",
        authority_approved=True,
    )


RECORD = record_for("社会秩序、公共利益:严重", "合法权益:严重")
MATERIALS = Materials(topology="互联网医院拓扑图.pdf", grading_report="互联网医院定级报告.docx")
OA = SystemProfile(
    name="OA系统",
    business_type="4",
    business_description="院内办公",
    service_scope="30",
    service_audience="1",
    deployment_scope="1",
    network_nature="1",
    go_live=dt.date(2018, 1, 1),
)
OA_RECORD = record_for("合法权益:严重", "合法权益:一般")


# --- reading documents back -------------------------------------------------------------


def open_docx(data: bytes):
    return Document(BytesIO(data))


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def find_table(doc, *texts: str) -> Table:
    found = [
        t for t in doc.tables if all(x in "\n".join(c.text for r in t.rows for c in r.cells) for x in texts)
    ]
    assert len(found) == 1, (texts, len(found))
    return found[0]


def distinct(cells) -> list:
    out = []
    for cell in cells:
        if not out or cell._tc is not out[-1]._tc:
            out.append(cell)
    return out


def after_label(table: Table, label: str) -> list[str]:
    """Texts of the cells right of ``label`` in its row."""
    for row in table.rows:
        texts = [c.text for c in distinct(row.cells)]
        if label in texts:
            return texts[texts.index(label) + 1 :]
    raise AssertionError(f"no row labelled {label}")


def matrix(doc, subject: str) -> dict[tuple[str, str], tuple[bool, str]]:
    """(客体, 程度) → (shaded?, text) for the nine level cells of a 3×3 matrix."""
    table = find_table(doc, f"{subject}受到破坏时所侵害的客体")
    degrees = [c.text for c in table.rows[1].cells[1:]]
    assert degrees == ["一般损害", "严重损害", "特别严重损害"]
    cells = {}
    for row in table.rows[2:]:
        obj, *levels = row.cells
        for degree, cell in zip(degrees, levels, strict=True):
            shaded = cell._tc.tcPr is not None and cell._tc.tcPr.find(qn("w:shd")) is not None
            cells[(obj.text, degree)] = (shaded, cell.text)
    assert len(cells) == 9
    return cells


def marked(cells: dict) -> tuple[set, set]:
    return {k for k, (shaded, _) in cells.items() if shaded}, {
        k for k, (_, text) in cells.items() if "■" in text
    }


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]


# --- 定级报告 ---------------------------------------------------------------------------


@pytest.fixture
def topology(tmp_path) -> Path:
    return write_png(tmp_path / "topology.png")


def test_grading_report_for_the_internet_hospital(topology):
    doc = open_docx(render_grading_report(UNIT, internet_hospital(str(topology)), RECORD))
    body = [p.text for p in doc.paragraphs]
    assert "互联网医院" in body[:5] and "江城市第一医院" in body and "2025年3月18日" in body
    for section in ("一、定级对象描述", "二、安全保护等级确定", "三、安全保护等级"):
        assert section in body
    assert "信息中心负责日常运维。" in body  # each line of a text field is its own paragraph

    summary = find_table(doc, "定级对象名称", "安全保护等级")
    assert [c.text for c in summary.rows[1].cells] == ["互联网医院", "第三级", "第二级", "第三级"]

    business = matrix(doc, "业务信息")
    assert marked(business) == ({(ORDER, "严重损害")}, {(ORDER, "严重损害")})
    assert business[(ORDER, "严重损害")] == (True, "■ 第三级")
    assert business[("国家安全", "特别严重损害")] == (False, "第五级")  # levels come from the matrix
    service = matrix(doc, "系统服务")
    assert marked(service) == ({(RIGHTS, "严重损害")}, {(RIGHTS, "严重损害")})
    assert service[(RIGHTS, "严重损害")] == (True, "■ 第二级")

    assert len(doc.inline_shapes) == 1  # the topology picture
    shape = doc.inline_shapes[0]
    section = doc.sections[0]
    assert 0 < shape.width <= section.page_width - section.left_margin - section.right_margin
    assert "图1　互联网医院网络拓扑结构" in body


def test_grading_report_without_topology_has_no_picture_or_caption():
    doc = open_docx(render_grading_report(UNIT, internet_hospital(), RECORD))
    assert len(doc.inline_shapes) == 0
    assert not any(p.text.startswith("图1") for p in doc.paragraphs)


def test_every_harmed_object_is_marked_and_the_highest_decides():
    record = record_for("合法权益:特别严重, 社会秩序、公共利益:严重", "国家安全:一般")
    doc = open_docx(render_grading_report(UNIT, internet_hospital(), record))
    shaded, squares = marked(matrix(doc, "业务信息"))
    assert shaded == squares == {(RIGHTS, "特别严重损害"), (ORDER, "严重损害")}
    assert marked(matrix(doc, "系统服务"))[0] == {("国家安全", "一般损害")}
    summary = find_table(doc, "定级对象名称", "安全保护等级")
    assert [c.text for c in summary.rows[1].cells][1:] == ["第三级", "第三级", "第三级"]
    assert "取各客体对应等级中的最高者" in all_text(doc)


def test_text_with_markup_characters_is_escaped():
    doc = open_docx(render_filing_form(UNIT, [(internet_hospital(), RECORD, MATERIALS)]))
    assert "在线复诊、电子处方 <流转> & 医保结算" in all_text(doc)


def test_missing_topology_file_is_an_error_naming_the_image(tmp_path):
    with pytest.raises(builder.DocumentError, match="topology"):
        render_grading_report(UNIT, internet_hospital(str(tmp_path / "absent.png")), RECORD)
    not_image = tmp_path / "notes.png"
    not_image.write_text("not a picture")
    with pytest.raises(builder.DocumentError, match="topology"):
        render_grading_report(UNIT, internet_hospital(str(not_image)), RECORD)


# --- 备案表 -----------------------------------------------------------------------------


def test_filing_form_2025_tables_hold_the_data():
    data = render_filing_form(UNIT, [(internet_hospital(), RECORD, MATERIALS)], filed_on=dt.date(2025, 4, 1))
    doc = open_docx(data)
    assert headings(doc) == [
        "填表说明",
        "表一　单位基本情况",
        "表二（互联网医院）定级对象情况",
        "表三（互联网医院）定级对象定级情况",
        "表四（互联网医院）应用场景补充",
        "表五（互联网医院）定级对象提交材料情况",
        "表六（互联网医院）数据摸底调查表",
    ]
    assert "网络安全等级保护备案表" in [p.text for p in doc.paragraphs]
    assert any("江城市第一医院" in p.text and "（盖章）" in p.text for p in doc.paragraphs)

    unit = find_table(doc, "单位名称", "统一社会信用代码")
    assert after_label(unit, "单位名称") == ["江城市第一医院"]
    assert after_label(unit, "统一社会信用代码") == ["12420100MB0000001X"]
    assert after_label(unit, "省（自治区、直辖市）") == ["湖北省", "地（区、市、州、盟）", "江城市"]
    assert after_label(unit, "姓名")[:1] == ["张明"]
    assert after_label(unit, "移动电话") == ["13800000000"]
    affiliation = after_label(unit, "隶属关系")[0]
    assert "☑3地（区、市、州、盟）" in affiliation and "☐1中央" in affiliation
    assert (
        after_label(unit, "单位类型")[0].count("☑") == 1 and "☑3事业单位" in after_label(unit, "单位类型")[0]
    )
    assert "第三级1个" in after_label(unit, "定级对象数量")[0]

    system = find_table(doc, "定级对象名称", "技术类型")
    assert after_label(system, "定级对象名称") == ["互联网医院", "编号", "JCYY-IH-01"]
    assert "☑云计算" in after_label(system, "技术类型")[0] and "☐物联网" in after_label(system, "技术类型")[0]
    business_type = after_label(system, "业务类型")[0]
    assert "☑5公众服务" in business_type and business_type.count("☑") == 1
    assert after_label(system, "投入运行时间") == ["2021年6月1日"]

    grading = find_table(doc, "损害客体及损害程度")
    ticked = [c.text for row in grading.rows for c in distinct(row.cells) if "☑对" in c.text]
    assert ticked == [
        f"☑对{ORDER}造成严重损害\n☐对国家安全造成一般损害",  # business, the 第三级 row
        f"☑对{RIGHTS}造成严重损害\n☐对{RIGHTS}造成特别严重损害\n☐对{ORDER}造成一般损害",  # service, 第二级
    ]
    levels = [c.text for row in grading.rows for c in distinct(row.cells) if c.text.startswith("☑第")]
    assert levels == ["☑第三级", "☑第二级"]  # business, then service
    assert "☑第三级" in after_label(grading, "安全保护等级")[0]
    assert after_label(grading, "定级时间") == ["2025年3月18日"]

    scenarios = find_table(doc, "应用场景", "是否涉及")
    assert after_label(scenarios, "云计算")[0] == "☑涉及　☐不涉及"
    assert after_label(scenarios, "物联网")[0] == "☐涉及　☑不涉及"
    materials = find_table(doc, "材料名称", "附件名称")
    assert after_label(materials, "定级报告") == ["☑有　☐无", "互联网医院定级报告.docx"]
    assert after_label(materials, "专家评审意见") == ["☐有　☑无", "无"]

    data_table = find_table(doc, "数据类别", "拟定数据级别")
    rows = [[c.text for c in row.cells] for row in data_table.rows[1:]]
    assert rows == [
        [
            "1",
            "患者诊疗数据",
            "重要数据",
            "是",
            "1.2 TB",
            "30 GB",
            "患者、HIS（本院）",
            "市医保局",
            "本院机房",
            "境内",
        ],
        ["2", "运营统计数据", "一般数据", "否", "50 万条", "2 万条", "系统生成", "无", "政务云", "境内"],
    ]
    assert doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE  # 表六 is landscape


def test_filing_form_repeats_the_object_tables_per_system():
    doc = open_docx(
        render_filing_form(UNIT, [(internet_hospital(), RECORD, MATERIALS), (OA, OA_RECORD, Materials())])
    )
    assert [h for h in headings(doc) if h.startswith("表二")] == [
        "表二（互联网医院）定级对象情况",
        "表二（OA系统）定级对象情况",
    ]
    assert len([h for h in headings(doc) if h.startswith("表六")]) == 2
    unit = find_table(doc, "单位名称", "统一社会信用代码")
    assert (
        "共2个" in after_label(unit, "定级对象数量")[0]
        and "第二级1个" in after_label(unit, "定级对象数量")[0]
    )
    # Each 表六 sits in a landscape section of its own; the object tables stay portrait.
    orientations = [s.orientation for s in doc.sections]
    assert orientations.count(WD_ORIENT.LANDSCAPE) == 2
    assert orientations[0] == WD_ORIENT.PORTRAIT


def test_legacy_layout_has_tables_one_to_four_only():
    doc = open_docx(
        render_filing_form(
            UNIT, [(internet_hospital(), RECORD, MATERIALS), (OA, OA_RECORD, Materials())], layout="legacy"
        )
    )
    names = headings(doc)
    assert "信息系统安全等级保护备案表" in [p.text for p in doc.paragraphs]
    for table in ("表一", "表二", "表三", "表四"):
        assert any(h.startswith(table) for h in names), table
    assert not any(h.startswith(("表五", "表六")) for h in names)
    # 表四 is for 第三级 and above: the level-2 OA system has none.
    assert [h for h in names if h.startswith("表四")] == ["表四（互联网医院）第三级以上信息系统提交材料情况"]
    assert "统一社会信用代码" not in all_text(doc)
    grading = find_table(doc, "损害客体及损害程度", "互联网医院定级报告.docx")
    assert "☑已审批" in after_label(grading, "上级主管部门审批定级情况")[0]


# --- missing fields and template checks -------------------------------------------------


def test_missing_for_grading_report_names_the_empty_fields():
    assert missing_for_grading_report(UNIT, internet_hospital(), RECORD) == []
    system = SystemProfile(
        name="互联网医院", composition="", carried_data="患者数据", responsible_subject="本院"
    )
    record = GradingRecord(grading=RECORD.grading, business_description="业务信息")
    assert missing_for_grading_report(Unit(name=""), system, record) == [
        "单位名称",
        "定级对象构成",
        "承载业务",
        "安全责任",
        "系统服务描述",
        "定级时间",
    ]


def test_missing_for_filing_form_names_the_empty_fields():
    assert missing_for_filing_form(UNIT, [(internet_hospital(), RECORD, MATERIALS)]) == []
    unit = Unit(**{**UNIT.__dict__, "credit_code": "", "affiliation": "7"})
    oa = SystemProfile(**{**OA.__dict__, "go_live": None})
    found = missing_for_filing_form(unit, [(oa, OA_RECORD, Materials())])
    assert found == [
        "统一社会信用代码",
        "隶属关系（无效代码“7”）",
        "OA系统：投入运行时间",
        "OA系统：数据摸底调查表（至少一个数据类别）",
    ]
    legacy = missing_for_filing_form(unit, [(oa, OA_RECORD, Materials())], layout="legacy")
    assert legacy == ["隶属关系（无效代码“7”）", "OA系统：投入运行时间"]
    assert missing_for_filing_form(UNIT, []) == ["定级对象（至少一个）"]


def test_shipped_templates_use_only_what_the_contexts_provide():
    report = grading_report_context(UNIT, internet_hospital(), RECORD)
    assert builder.unknown_fields(TEMPLATES / "grading-report-2025.docx", report) == []
    systems = [(internet_hospital(), RECORD, MATERIALS)]
    for layout in ("2025", "legacy"):
        context = filing_form_context(UNIT, systems, layout=layout)
        assert builder.unknown_fields(TEMPLATES / f"filing-form-{layout}.docx", context) == []
    assert {"unit", "system", "business", "service", "topology"} <= builder.template_fields(
        TEMPLATES / "grading-report-2025.docx"
    )


def test_unknown_fields_finds_what_a_replacement_template_lacks(tmp_path):
    doc = Document()
    for text in (
        "{{ unit.name }}在{{ nosuch }}",
        "{{ unit.nmae }}",
        "{%p for s in systems %}",
        "{{ s.name }}{{ s.levle }}",
        "{%p endfor %}",
    ):
        doc.add_paragraph(text)
    template = tmp_path / "mine.docx"
    doc.save(str(template))
    context = filing_form_context(UNIT, [(internet_hospital(), RECORD, MATERIALS)])
    assert builder.template_fields(template) == {"unit", "nosuch", "systems"}
    assert builder.unknown_fields(template, context) == ["nosuch", "systems[].levle", "unit.nmae"]
    with pytest.raises(builder.DocumentError, match="nosuch"):
        builder.render_docx(template, context)


def test_a_file_that_is_not_a_docx_is_refused(tmp_path):
    fake = tmp_path / "template.docx"
    fake.write_text("not a Word file")
    with pytest.raises(builder.DocumentError, match="不是有效的 Word"):
        builder.unknown_fields(fake, {})
    with pytest.raises(builder.DocumentError, match="模板文件不存在"):
        builder.render_docx(tmp_path / "absent.docx", {})


def test_unsafe_template_code_is_refused(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ unit.__class__.__mro__ }}")
    template = tmp_path / "evil.docx"
    doc.save(str(template))
    with pytest.raises(builder.DocumentError):
        builder.render_docx(template, {"unit": {"name": "x"}})


def tc_text(tc) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))


def outline(path: Path) -> list:
    """A template's text and structure: styles with their fonts, paragraphs, tables, sections."""
    doc = Document(str(path))
    items: list = []
    for style in doc.styles:
        fonts = style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        items.append(("style", style.name, None if fonts is None else fonts.get(qn("w:eastAsia"))))
    for element in doc.element.body.iterchildren():
        if element.tag == qn("w:p"):
            p = Paragraph(element, doc)
            items.append(("p", p.style.name, p.text, element.find(f".//{qn('w:sectPr')}") is not None))
        elif element.tag == qn("w:tbl"):
            grid = [col.get(qn("w:w")) for col in element.tblGrid.findall(qn("w:gridCol"))]
            rows = [[(tc_text(tc), tc.grid_span, tc.vMerge) for tc in tr.tc_lst] for tr in element.tr_lst]
            items.append(("table", grid, rows))
    items += [("section", s.orientation, s.page_width, s.page_height) for s in doc.sections]
    return items


def test_committed_templates_are_what_the_script_builds(tmp_path):
    built = make_templates.build_all(tmp_path)
    assert sorted(p.name for p in built) == sorted(p.name for p in TEMPLATES.glob("*.docx"))
    for path in built:
        assert outline(path) == outline(TEMPLATES / path.name), (
            f"{path.name} differs: run python -m dengbao.core.documents.make_templates"
        )


def test_templates_set_east_asian_fonts():
    doc = Document(str(TEMPLATES / "grading-report-2025.docx"))

    def east_asia(name: str) -> str:
        return doc.styles[name].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia"))

    assert east_asia("Normal") == "宋体"
    assert east_asia("Heading 1") == east_asia("Heading 2") == east_asia("Heading 3") == "黑体"


# --- PDF and hashes ---------------------------------------------------------------------


def test_pdf_through_libreoffice():
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed, and CI is expected to install it")
        pytest.skip("LibreOffice (soffice) is not installed")
    pdf = builder.to_pdf(render_grading_report(UNIT, internet_hospital(), RECORD))
    assert pdf is not None and pdf.startswith(b"%PDF")


def test_pdf_is_none_without_libreoffice(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert builder.to_pdf(b"PK") is None


def fake_soffice(tmp_path: Path, script: str, monkeypatch) -> None:
    exe = tmp_path / "soffice"
    exe.write_text(f"#!/bin/sh\n{script}\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")


def test_failed_conversion_raises_a_clear_error(monkeypatch, tmp_path):
    fake_soffice(tmp_path, "echo 'source file could not be loaded' >&2; exit 1", monkeypatch)
    with pytest.raises(builder.ConversionError, match="source file could not be loaded"):
        builder.to_pdf(b"PK")


def test_hung_conversion_times_out(monkeypatch, tmp_path):
    fake_soffice(tmp_path, "sleep 30", monkeypatch)
    with pytest.raises(builder.ConversionError, match="秒内未完成"):
        builder.to_pdf(b"PK", timeout=0.5)


def test_sha256_is_the_hex_digest():
    assert builder.sha256(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
