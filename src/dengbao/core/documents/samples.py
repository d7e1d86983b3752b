"""A complete, fictional data set (演示数据) for checking a template before it is used.

An organisation that uploads its own version of a template has it rendered against
this data; fields the template asks for but the platform does not provide are listed.
"""

from __future__ import annotations

import datetime as dt

from ..filing import DataCategory, GradingRecord, Materials, SystemProfile, Unit
from ..grading import grade, parse_harms

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
