"""What the 定级报告 and the 备案表 share: level and date wording, tick boxes, the Chinese
names of the fields, and the unit / system / data-category parts of a context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from ..filing import (
    AFFILIATIONS,
    BUSINESS_TYPES,
    DATA_LEVELS,
    DEPLOYMENT_SCOPES,
    NETWORK_NATURES,
    SERVICE_AUDIENCES,
    SERVICE_SCOPES,
    UNIT_TYPES,
    DataCategory,
    SystemProfile,
    Unit,
    label,
    missing_fields,
)

TEMPLATES = Path(__file__).parent / "templates"

LEVEL_NAMES = {1: "第一级", 2: "第二级", 3: "第三级", 4: "第四级", 5: "第五级"}
CHECKED, UNCHECKED = "☑", "☐"
MARK = "■"  # the chosen cell of a level matrix
MARK_FILL = "D9D9D9"  # its shading: light grey, legible on a black-and-white print
BLANK_DATE = "　　　　年　　月　　日"

# Chinese names of the fields, as a user sees them in "fill these in first".
UNIT_LABELS = {
    "name": "单位名称",
    "credit_code": "统一社会信用代码",
    "address": "单位详细地址",
    "head_name": "单位负责人姓名",
    "department": "责任部门",
    "contact_name": "责任部门联系人姓名",
    "contact_mobile": "责任部门联系人移动电话",
    "affiliation": "隶属关系",
    "unit_type": "单位类型",
    "industry": "行业类别",
}
SYSTEM_LABELS = {
    "name": "定级对象名称",
    "business_type": "业务类型",
    "business_description": "业务描述",
    "service_scope": "服务范围",
    "service_audience": "服务对象",
    "deployment_scope": "部署范围",
    "network_nature": "网络性质",
    "go_live": "投入运行时间",
    "responsible_subject": "责任主体",
    "composition": "定级对象构成",
    "carried_business": "承载业务",
    "carried_data": "承载数据",
    "security_responsibility": "安全责任",
}
RECORD_LABELS = {
    "business_description": "业务信息描述",
    "service_description": "系统服务描述",
    "graded_on": "定级时间",
}
# Coded fields: a code outside its list is as good as missing.
UNIT_CODES = {"affiliation": AFFILIATIONS, "unit_type": UNIT_TYPES}
SYSTEM_CODES = {
    "business_type": BUSINESS_TYPES,
    "service_scope": SERVICE_SCOPES,
    "service_audience": SERVICE_AUDIENCES,
    "deployment_scope": DEPLOYMENT_SCOPES,
    "network_nature": NETWORK_NATURES,
}


def level_name(level: int) -> str:
    return LEVEL_NAMES[level]


def cn_date(day: dt.date | None, *, blank: str = "") -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else blank


def box(checked: bool, text: str) -> str:
    return f"{CHECKED if checked else UNCHECKED}{text}"


def choice_boxes(choices: tuple[tuple[str, str], ...], selected: str, *, codes: bool = True) -> str:
    """The whole choice list on one line, the selected entry ticked: ☐1中央　☑3地（区、市、州、盟）…"""
    return "　".join(box(code == selected, f"{code}{name}" if codes else name) for code, name in choices)


def yes_no(value: bool, yes: str = "是", no: str = "否") -> str:
    return f"{box(value, yes)}　{box(not value, no)}"


def paragraphs(text: str) -> list[str]:
    """A free-text field as Word paragraphs (one per non-empty line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def missing(
    obj: object,
    required: tuple[str, ...],
    labels: Mapping[str, str],
    codes: Mapping[str, tuple[tuple[str, str], ...]] | None = None,
    *,
    prefix: str = "",
) -> list[str]:
    """Chinese names of the empty (or wrongly coded) required fields of ``obj``."""
    out = [f"{prefix}{labels[name]}" for name in missing_fields(obj, required)]
    for name, choices in (codes or {}).items():
        value = getattr(obj, name)
        if name in required and value and not label(choices, value):
            out.append(f"{prefix}{labels[name]}（无效代码“{value}”）")
    return out


def unit_context(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "credit_code": unit.credit_code,
        "province": unit.province,
        "prefecture": unit.prefecture,
        "county": unit.county,
        "address": unit.address,
        "full_address": "".join(p for p in (unit.province, unit.prefecture, unit.county, unit.address) if p),
        "postcode": unit.postcode,
        "region_code": unit.region_code,
        "head_name": unit.head_name,
        "head_title": unit.head_title,
        "head_phone": unit.head_phone,
        "head_email": unit.head_email,
        "department": unit.department,
        "contact_name": unit.contact_name,
        "contact_title": unit.contact_title,
        "contact_phone": unit.contact_phone,
        "contact_mobile": unit.contact_mobile,
        "contact_email": unit.contact_email,
        "affiliation": label(AFFILIATIONS, unit.affiliation),
        "affiliation_boxes": choice_boxes(AFFILIATIONS, unit.affiliation),
        "unit_type": label(UNIT_TYPES, unit.unit_type),
        "unit_type_boxes": choice_boxes(UNIT_TYPES, unit.unit_type),
        "industry": unit.industry,
    }


def system_context(system: SystemProfile) -> dict:
    """The 表二 / 定级报告 一 fields as display text."""
    return {
        "name": system.name,
        "code": system.code,
        "business_type": label(BUSINESS_TYPES, system.business_type),
        "business_type_boxes": choice_boxes(BUSINESS_TYPES, system.business_type),
        "business_description": system.business_description,
        "service_scope": label(SERVICE_SCOPES, system.service_scope),
        "service_scope_boxes": choice_boxes(SERVICE_SCOPES, system.service_scope),
        "service_audience": label(SERVICE_AUDIENCES, system.service_audience),
        "service_audience_boxes": choice_boxes(SERVICE_AUDIENCES, system.service_audience),
        "deployment_scope": label(DEPLOYMENT_SCOPES, system.deployment_scope),
        "deployment_scope_boxes": choice_boxes(DEPLOYMENT_SCOPES, system.deployment_scope),
        "network_nature": label(NETWORK_NATURES, system.network_nature),
        "network_nature_boxes": choice_boxes(NETWORK_NATURES, system.network_nature),
        "interconnections": system.interconnections or "无",
        "go_live": cn_date(system.go_live),
        "is_subsystem_boxes": yes_no(bool(system.parent_name)),
        "parent_name": system.parent_name or "无",
    }


def data_rows(categories: tuple[DataCategory, ...]) -> list[dict]:
    """表六 (and the 定级报告's 承载数据 table): one row per data category."""
    return [
        {
            "index": str(i),
            "name": c.name,
            "data_level": label(DATA_LEVELS, c.data_level) or c.data_level,
            "personal_info": "是" if c.personal_info else "否",
            "volume": c.volume,
            "monthly_growth": c.monthly_growth,
            "source": c.source,
            "source_units": c.source_units,
            "source_text": c.source + (f"（{c.source_units}）" if c.source_units else ""),
            "recipients": c.recipients or "无",
            "storage": c.storage,
            "location": "境内" if c.inside_china else "境外",
        }
        for i, c in enumerate(categories, 1)
    ]
