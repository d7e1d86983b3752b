"""GB/T 22240-2020 grading: every matrix cell, several harmed objects, the max rule, the warnings."""

from __future__ import annotations

import pytest

from dengbao.core.grading import Context, Degree, GradingError, Harm, HarmedObject, grade, parse_harms

# 表2 = 表3 of the standard, written out independently of the code's table.
CELLS = [
    ("合法权益", "一般", 1),
    ("合法权益", "严重", 2),
    ("合法权益", "特别严重", 2),
    ("社会秩序、公共利益", "一般", 2),
    ("社会秩序、公共利益", "严重", 3),
    ("社会秩序、公共利益", "特别严重", 4),
    ("国家安全", "一般", 3),
    ("国家安全", "严重", 4),
    ("国家安全", "特别严重", 5),
]
LOWEST = parse_harms("合法权益:一般")


@pytest.mark.parametrize(("obj", "degree", "level"), CELLS)
def test_business_dimension_cell(obj, degree, level):
    result = grade(parse_harms(f"{obj}:{degree}"), LOWEST)
    assert result.business.level == level
    assert result.sa == f"S{level}A1"
    assert result.level == level


@pytest.mark.parametrize(("obj", "degree", "level"), CELLS)
def test_service_dimension_cell(obj, degree, level):
    result = grade(LOWEST, parse_harms(f"{obj}:{degree}"))
    assert result.service.level == level
    assert result.sa == f"S1A{level}"
    assert result.level == level


def test_several_harmed_objects_take_the_highest():
    result = grade(
        parse_harms("合法权益:特别严重, 社会秩序、公共利益:严重"), parse_harms("合法权益:严重，国家安全:一般")
    )
    assert (result.business.level, result.service.level) == (3, 3)
    assert result.business.decisive.obj is HarmedObject.ORDER
    assert result.service.decisive.obj is HarmedObject.NATIONAL


def test_level_is_the_max_of_s_and_a():
    result = grade(parse_harms("社会秩序、公共利益:严重"), parse_harms("合法权益:严重"))
    assert result.as_dict() == {
        "business_level": 3,
        "service_level": 2,
        "level": 3,
        "sa": "S3A2",
        "reasons": list(result.reasons),
        "warnings": [],
    }
    assert "由业务信息安全保护等级决定" in result.reasons[-1]
    result = grade(parse_harms("合法权益:一般"), parse_harms("社会秩序、公共利益:特别严重"))
    assert (result.level, result.sa) == (4, "S1A4")
    assert "由系统服务安全保护等级决定" in result.reasons[-1]


def test_support_platform_warning():
    ctx = Context(is_support_platform=True, carried_levels=(2, 3))
    result = grade(parse_harms("社会秩序、公共利益:一般"), LOWEST, ctx)
    assert result.level == 2
    assert len(result.warnings) == 1 and "支撑性对象" in result.warnings[0] and "第3级" in result.warnings[0]
    assert grade(parse_harms("社会秩序、公共利益:严重"), LOWEST, ctx).warnings == ()


def test_big_data_warning():
    ctx = Context(big_data_with_personal_info=True)
    assert "大数据平台原则上不低于第三级" in grade(parse_harms("合法权益:严重"), LOWEST, ctx).warnings[0]
    assert grade(parse_harms("国家安全:一般"), LOWEST, ctx).warnings == ()


def test_sector_minimum_warning_for_the_internet_hospital():
    ctx = Context(sector_minimum=3, sector_rule="互联网医院按卫生健康行业规定")
    warning = grade(parse_harms("社会秩序、公共利益:一般"), LOWEST, ctx).warnings[0]
    assert (
        warning.startswith("互联网医院按卫生健康行业规定") and "第3级" in warning and "当前为第2级" in warning
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("社会安宁:严重", "未知的受侵害客体“社会安宁”"),
        ("合法权益:很严重", "未知的侵害程度“很严重”"),
        ("合法权益", "应写作 客体:程度"),
        ("", "至少需要一个"),
    ],
)
def test_bad_input_names_the_culprit(spec, message):
    with pytest.raises(GradingError, match=message):
        parse_harms(spec)


def test_same_object_twice_is_refused():
    harms = [Harm(HarmedObject.RIGHTS, Degree.GENERAL), Harm(HarmedObject.RIGHTS, Degree.SERIOUS)]
    with pytest.raises(GradingError, match="出现了两次"):
        grade(harms, LOWEST)
