"""A complete, fictional data set (演示数据) for checking a template before it is used.

An organisation that uploads its own version of a template has it rendered against
this data; fields the template asks for but the platform does not provide are listed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..filing import DataCategory, GradingRecord, Materials, SystemProfile, Unit
from ..grading import grade, parse_harms
from ..problems import GapRow
from .plan_common import Subject
from .remediation_plan import MajorRiskItem, PlanData, PlanItem
from .retest_report import CategoryFigure, ChangedItem, RetestData, RoundFigures, RoundProblem

UNIT = Unit(
    name="江城市第一医院（演示）",
    credit_code="12440100MB0000000D",
    province="演示省",
    prefecture="江城市",
    county="中心区",
    address="江城市人民路 1 号",
    postcode="510000",
    region_code="440100",
    head_name="张院长",
    head_title="院长",
    head_phone="020-00000000",
    department="信息科",
    contact_name="刘科长",
    contact_title="科长",
    contact_mobile="13800000000",
    contact_email="it@example.org",
    affiliation="3",
    unit_type="3",
    industry="卫生健康",
    systems_per_level={3: 1},
)

SYSTEM = SystemProfile(
    name="互联网医院（演示）",
    code="IH",
    business_type="5",
    business_description="在线问诊与复诊续方",
    service_scope="30",
    service_audience="3",
    deployment_scope="9",
    network_nature="2",
    interconnections="与院内 HIS 通过前置机交换数据",
    technology_types=("cloud", "mobile"),
    go_live=dt.date(2020, 6, 1),
    responsible_subject="江城市第一医院信息科",
    composition="应用服务器、数据库服务器、负载均衡与 Web 应用防火墙",
    carried_business="在线问诊、预约挂号、移动支付",
    carried_data="患者基本信息与诊疗记录",
    security_responsibility="医院主要负责人为第一责任人",
    data_categories=(
        DataCategory(
            name="患者诊疗数据",
            data_level="important",
            personal_info=True,
            volume="2.5 TB",
            monthly_growth="40 GB",
            source="在线问诊",
            recipients="医保平台",
            storage="院内机房",
        ),
    ),
)

RECORD = GradingRecord(
    grading=grade(parse_harms("社会秩序、公共利益:严重"), parse_harms("合法权益:严重")),
    business_description="问诊与处方信息",
    service_description="在线问诊与复诊续方服务",
    graded_on=dt.date(2020, 1, 8),
    expert_reviewed=True,
    expert_review_date=dt.date(2019, 12, 10),
)

MATERIALS = Materials(grading_report="互联网医院定级报告", expert_review="专家评审意见表")


# --- 差距分析问题列表, 安全整改方案, 复测对比报告 ----------------------------------------------

PLAN_SUBJECT = Subject(
    client=UNIT.name,
    agency="江城网络安全测评中心（演示）",
    assessment="互联网医院等级测评（演示）",
    systems=(SYSTEM.name,),
    level=3,
    sa="S3A2",
    round_label="初测",
    date=dt.date(2025, 5, 20),
)


def _gap(unit: str, category: str, point: str, text: str, objects: str, risk: str, case: str = "") -> GapRow:
    return GapRow(
        category=category,
        control_point=point,
        item=f"{unit} a）{text}",
        objects=objects,
        description=f"测评要求：{text}\n{objects.split('、')[0]}（不符合）：未采取相应措施。",
        risk=risk,
        case=case,
        remediation=f"按 GB/T 22239-2019 {point}的要求整改：{text}",
        status="未整改",
    )


GAP_ROWS = (
    _gap(
        "L3-PES1-05",
        "安全物理环境",
        "防盗窃和防破坏",
        "应将设备或主要部件进行固定并设置明显标记。",
        "主机房",
        "低",
    ),
    _gap(
        "L3-ABS1-01",
        "安全区域边界",
        "边界防护",
        "应保证跨越边界的访问和数据流通过受控接口通信。",
        "核心防火墙",
        "中",
    ),
    _gap(
        "L3-CES1-01",
        "安全计算环境",
        "身份鉴别",
        "应对登录的用户进行身份标识和鉴别。",
        "应用服务器、数据库服务器",
        "高",
        "6.4.1.1 设备存在弱口令或相同口令",
    ),
    _gap("L3-CES1-11", "安全计算环境", "访问控制", "应授予管理用户所需的最小权限。", "数据库服务器", "中"),
    _gap(
        "L3-MMS1-20",
        "安全运维管理",
        "恶意代码防范管理",
        "应定期检查恶意代码库的升级情况。",
        "运维与变更记录",
        "低",
    ),
)

GAP_UNITS = ("L3-PES1-05", "L3-ABS1-01", "L3-CES1-01", "L3-CES1-11", "L3-MMS1-20")

PLAN = PlanData(
    subject=PLAN_SUBJECT,
    items=(
        PlanItem(GAP_ROWS[0], GAP_UNITS[0]),
        PlanItem(
            GAP_ROWS[1],
            GAP_UNITS[1],
            owner="刘科长",
            due_date=dt.date(2025, 6, 30),
            task_status="整改中",
            measure="调整防火墙策略，关闭未使用的端口",
        ),
        PlanItem(
            GAP_ROWS[2],
            GAP_UNITS[2],
            case_status="confirmed",
            owner="刘科长",
            due_date=dt.date(2025, 6, 10),
            task_status="待整改",
        ),
        PlanItem(
            GAP_ROWS[3],
            GAP_UNITS[3],
            case_status="proposed",
            owner="王工程师",
            due_date=dt.date(2025, 6, 30),
            task_status="已验证",
        ),
        PlanItem(GAP_ROWS[4], GAP_UNITS[4]),
    ),
    major_risks=(
        MajorRiskItem(
            "核心系统存在弱口令", "数据库服务器与应用服务器使用弱口令，可被直接登录。", (GAP_UNITS[2],)
        ),
    ),
)

RETEST = RetestData(
    subject=dataclasses.replace(PLAN_SUBJECT, round_label="第1次复测", date=dt.date(2025, 7, 15)),
    before=RoundFigures(
        label="初测",
        scheme="2025",
        compliance_rate=78.5,
        weighted_score=None,
        conclusion="基本符合",
        major_risks=1,
        major_risks_found=1,
        risk_counts={"高": 1, "中": 2, "低": 2},
        counts={"符合": 120, "部分符合": 30, "不符合": 12, "不适用": 8},
        categories=(
            CategoryFigure("安全物理环境", 92.0),
            CategoryFigure("安全区域边界", 75.0),
            CategoryFigure("安全计算环境", 66.67),
            CategoryFigure("安全运维管理", 85.0),
        ),
    ),
    after=RoundFigures(
        label="第1次复测",
        scheme="2025",
        compliance_rate=91.25,
        weighted_score=None,
        conclusion="符合",
        major_risks=0,
        major_risks_found=1,
        risk_counts={"中": 1, "低": 2},
        counts={"符合": 150, "部分符合": 10, "不符合": 2, "不适用": 8},
        categories=(
            CategoryFigure("安全物理环境", 92.0),
            CategoryFigure("安全区域边界", 95.0),
            CategoryFigure("安全计算环境", 88.5),
            CategoryFigure("安全运维管理", 90.0),
        ),
    ),
    changes=(
        ChangedItem(
            "核心防火墙",
            GAP_UNITS[1],
            "边界防护 a）应保证跨越边界的访问和数据流通过受控接口通信。",
            "不符合",
            "符合",
        ),
        ChangedItem(
            "应用服务器", GAP_UNITS[2], "身份鉴别 a）应对登录的用户进行身份标识和鉴别。", "不符合", "符合"
        ),
        ChangedItem(
            "数据库服务器",
            GAP_UNITS[2],
            "身份鉴别 a）应对登录的用户进行身份标识和鉴别。",
            "不符合",
            "部分符合",
        ),
        ChangedItem(
            "主机房",
            "L3-PES1-01",
            "物理位置选择 a）机房场地应选择在具有防震、防风和防雨等能力的建筑内。",
            "符合",
            "部分符合",
        ),
    ),
    before_problems=tuple(RoundProblem(u, r) for u, r in zip(GAP_UNITS, GAP_ROWS, strict=True)),
    after_problems=(
        RoundProblem(GAP_UNITS[0], GAP_ROWS[0]),
        RoundProblem(GAP_UNITS[2], dataclasses.replace(GAP_ROWS[2], risk="中", case="")),
        RoundProblem(GAP_UNITS[4], GAP_ROWS[4]),
        RoundProblem(
            "L3-PES1-01",
            _gap(
                "L3-PES1-01",
                "安全物理环境",
                "物理位置选择",
                "机房场地应选择在具有防震、防风和防雨等能力的建筑内。",
                "主机房",
                "低",
            ),
        ),
    ),
)
