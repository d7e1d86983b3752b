"""Plain data behind the grading report (定级报告) and the filing form (备案表).

The Django side fills these from its records; the document builder renders them.
Field names follow the 2025 备案表 (MLPS-FACTS §5.2) and 定级报告 (§5.3); every field
a document prints but the records lack is reported by ``missing_fields`` before any
document is made, never printed blank silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from .grading import Grading

# Choice lists of the 备案表 (code, label).
BUSINESS_TYPES = (
    ("1", "生产作业"),
    ("2", "指挥调度"),
    ("3", "管理控制"),
    ("4", "内部办公"),
    ("5", "公众服务"),
    ("9", "其他"),
)
SERVICE_SCOPES = (
    ("10", "全国"), ("11", "跨省（区、市）"), ("20", "全省（区、市）"), ("21", "跨地（市、区）"),
    ("30", "地（市、区）内"), ("99", "其他"),
)  # fmt: skip
SERVICE_AUDIENCES = (("1", "单位内部人员"), ("2", "社会公众人员"), ("3", "两者均包括"), ("9", "其他"))
DEPLOYMENT_SCOPES = (("1", "局域网"), ("2", "城域网"), ("3", "广域网"), ("9", "其他"))
NETWORK_NATURES = (("1", "业务专网"), ("2", "互联网"), ("9", "其他"))
AFFILIATIONS = (
    ("1", "中央"),
    ("2", "省（自治区、直辖市）"),
    ("3", "地（区、市、州、盟）"),
    ("4", "县（区、市、旗）"),
    ("9", "其他"),
)
UNIT_TYPES = (("1", "党委机关"), ("2", "政府机关"), ("3", "事业单位"), ("4", "企业"), ("9", "其他"))
TECHNOLOGY_TYPES = (
    ("cloud", "云计算"),
    ("mobile", "移动互联"),
    ("iot", "物联网"),
    ("ics", "工业控制系统"),
    ("bigdata", "大数据"),
)
DATA_LEVELS = (("general", "一般数据"), ("important", "重要数据"), ("core", "核心数据"))


def label(choices: tuple[tuple[str, str], ...], code: str) -> str:
    return dict(choices).get(code, "")


@dataclass(frozen=True)
class Unit:
    """表一 单位基本情况."""

    name: str
    credit_code: str = ""
    province: str = ""
    prefecture: str = ""
    county: str = ""
    address: str = ""
    postcode: str = ""
    region_code: str = ""
    head_name: str = ""
    head_title: str = ""
    head_phone: str = ""
    head_email: str = ""
    department: str = ""
    contact_name: str = ""
    contact_title: str = ""
    contact_phone: str = ""
    contact_mobile: str = ""
    contact_email: str = ""
    affiliation: str = ""  # code of AFFILIATIONS
    unit_type: str = ""  # code of UNIT_TYPES
    industry: str = ""  # 行业类别, e.g. "卫生健康"
    systems_per_level: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DataCategory:
    """表六 数据摸底调查表, one row per data category."""

    name: str
    data_level: str = ""  # code of DATA_LEVELS
    personal_info: bool = False
    volume: str = ""  # e.g. "2.5 TB" or "120 万条"
    monthly_growth: str = ""
    source: str = ""
    source_units: str = ""
    recipients: str = ""  # 流出单位
    storage: str = ""  # 云 / 机房 / 区域 …
    inside_china: bool = True


@dataclass(frozen=True)
class SystemProfile:
    """表二 定级对象情况, and 定级报告 一、定级对象描述."""

    name: str
    code: str = ""
    business_type: str = ""  # code of BUSINESS_TYPES
    business_description: str = ""
    service_scope: str = ""
    service_audience: str = ""
    deployment_scope: str = ""
    network_nature: str = ""
    interconnections: str = ""
    technology_types: tuple[str, ...] = ()
    go_live: dt.date | None = None
    parent_name: str = ""
    responsible_subject: str = ""  # 责任主体 description
    composition: str = ""  # 定级对象构成
    topology_image: str = ""  # path of the topology picture, "" if none
    carried_business: str = ""  # 承载业务
    carried_data: str = ""  # 承载数据
    security_responsibility: str = ""  # 安全责任
    data_categories: tuple[DataCategory, ...] = ()


@dataclass(frozen=True)
class GradingRecord:
    """表三 定级情况, and 定级报告 二、安全保护等级确定."""

    grading: Grading
    business_description: str = ""  # 业务信息描述
    service_description: str = ""  # 系统服务描述
    graded_on: dt.date | None = None
    expert_reviewed: bool = False
    expert_review_date: dt.date | None = None
    competent_authority: str = ""  # "" = none
    authority_approved: bool = False
    grading_report_attached: bool = True


@dataclass(frozen=True)
class Materials:
    """表五 提交材料情况: attachment names ('' = not provided)."""

    topology: str = ""
    organisation_and_policies: str = ""
    remediation_plan: str = ""
    products_and_services: str = ""
    authority_documents: str = ""
    grading_report: str = ""
    expert_review: str = ""


def missing_fields(obj: object, required: tuple[str, ...]) -> list[str]:
    """Names of required fields that are empty, for the 'fill these in first' list."""
    names = {f.name for f in fields(obj)}  # type: ignore[arg-type]
    out = []
    for name in required:
        if name not in names:
            raise ValueError(f"{type(obj).__name__} has no field {name}")
        value = getattr(obj, name)
        if value in ("", None, (), {}):
            out.append(name)
    return out


UNIT_REQUIRED = ("name", "credit_code", "address", "head_name", "department", "contact_name",
                 "contact_mobile", "affiliation", "unit_type", "industry")  # fmt: skip
SYSTEM_REQUIRED = ("name", "business_type", "business_description", "service_scope", "service_audience",
                   "deployment_scope", "network_nature", "go_live")  # fmt: skip
REPORT_REQUIRED = ("responsible_subject", "composition", "carried_business", "carried_data",
                   "security_responsibility")  # fmt: skip
