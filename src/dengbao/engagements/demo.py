"""The demo engagement of SCENARIO.md, from the 2019-11-26 signing (fictional names, 演示数据).

One client-side extension, the three payments (the second paid eight days late), the portal's
report delivered three days late (a ¥150 penalty), the service year with two occurrences
left undone, a met and a breached ticket, a training session and the client's feedback. The
portal's 测评报告 waits for the client's acceptance and the internet hospital's 备案证明 for
the police.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")

LINE_ITEMS = [
    {"item": "安全服务", "quantity": 1, "unit": "1 年", "amount": "16000", "is_service": True},
    {"item": "HIS / EMR / LIS 系统", "quantity": 3, "unit": "三级", "amount": "90000",
     "systems": ["HIS", "EMR", "LIS"]},
    {"item": "互联网医院", "quantity": 1, "unit": "三级", "amount": "90000", "systems": ["IH"]},
    {"item": "OA 系统", "quantity": 1, "unit": "二级", "amount": "50000", "systems": ["OA"]},
    {"item": "门户网站", "quantity": 1, "unit": "二级", "amount": "50000", "systems": ["WEB"]},
]  # fmt: skip

FACTS = {
    "survey_done": D(2019, 12, 5),
    "gap_list_delivered": D(2019, 12, 30),
    "remediation_reported": D(2020, 2, 10),
    "reports_delivered": D(2020, 2, 21),
    "accepted_on": D(2020, 3, 5),
}

ACTUAL_PHASES = {
    "preparation": (D(2019, 11, 27), D(2019, 11, 29)),
    "kickoff": (D(2019, 12, 2), D(2019, 12, 2)),
    "analysis": (D(2019, 12, 3), D(2019, 12, 5)),
    "onsite": (D(2019, 12, 6), D(2019, 12, 30)),
    "remediation_plan": (D(2019, 12, 31), D(2020, 1, 9)),
    "report": (D(2020, 2, 11), D(2020, 2, 21)),
    "filing": (D(2019, 12, 20), D(2020, 3, 2)),
}

CERTIFICATES = {"HIS": "20001", "EMR": "20002", "LIS": "20003", "OA": "20004", "WEB": "20005"}
UNDONE = {("monitoring", 7), ("inspection", 3)}  # shown red: late and not done


def at(day: D, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def load(project, report) -> None:
    from dengbao.accounts.models import User
    from dengbao.engagements import services
    from dengbao.engagements.models import Contract

    if Contract.objects.filter(project=project).exists():
        return
    pm, assessor = User.objects.get(username="pm"), User.objects.get(username="assessor")
    hospital = User.objects.get(username="hospital")
    contract = services.contract_create(
        actor=pm,
        project=project,
        title="江城市第一医院网络安全等级保护测评及安全服务合同（演示）",
        number="演示-JCAC-2019-118",
        signed_on=D(2019, 11, 26),
        total=Decimal("296000"),
        line_items=LINE_ITEMS,
    )
    services.extension_add(
        actor=pm,
        contract=contract,
        cause="client",
        deadline="gap_list",
        workdays=5,
        reason="医院 HIS 系统升级改造，现场测评暂停 5 个工作日（演示数据）",
        approved_on=D(2019, 12, 12),
    )
    for fact, day in FACTS.items():
        services.contract_record_fact(actor=pm, contract=contract, fact=fact, on=day)
    for phase in contract.phases.all():
        start, end = ACTUAL_PHASES[phase.key]
        services.phase_record(actor=pm, phase=phase, actual_start=start, actual_end=end)
    _deliverables(contract, pm, hospital)
    _payments(contract, pm)
    _services(contract, pm, assessor, hospital)
    _tickets(contract, assessor, hospital)
    report.created.append(f"engagement {contract.number}")


def _deliverables(contract, pm, hospital) -> None:
    from dengbao.engagements import services
    from dengbao.engagements.models import Deliverable

    services.deliverables_generate(actor=pm, contract=contract)
    delivered = {"grading_report": D(2019, 12, 20), "filing_form": D(2019, 12, 20)}
    for d in contract.deliverables.select_related("system"):
        code = d.system.code
        reference = ""
        if d.kind == Deliverable.Kind.ASSESSMENT_REPORT:
            on = D(2020, 3, 13) if code == "WEB" else D(2020, 2, 21)  # the portal's re-test ran late
        elif d.kind == Deliverable.Kind.FILING_CERTIFICATE:
            if code not in CERTIFICATES:
                continue  # the internet hospital's certificate: still with the police
            on, reference = D(2020, 3, 2), f"演示-44010020001-{CERTIFICATES[code]}"
        else:
            on = delivered[d.kind]
        d = services.deliverable_deliver(actor=pm, deliverable=d, delivered_on=on, reference=reference)
        if not (code == "WEB" and d.kind == Deliverable.Kind.ASSESSMENT_REPORT):
            services.deliverable_accept(actor=hospital, deliverable=d, at=at(D(2020, 3, 5), 10))


def _payments(contract, pm) -> None:
    from dengbao.engagements import payment_services as services

    first, second, retention = contract.milestones.order_by("position")
    services.milestone_trigger(actor=pm, milestone=second, on=D(2020, 3, 5))  # 验收单 signed
    paid = (
        (first, D(2019, 12, 20), "001"),
        (second, D(2020, 4, 3), "002"),
        (retention, D(2021, 3, 18), "003"),
    )
    for milestone, received_on, n in paid:
        amount = contract.total * milestone.percent / 100
        services.invoice_add(
            actor=pm,
            contract=contract,
            kind="services",
            number=f"演示-4400{n}",
            amount=amount,
            issued_on=received_on - dt.timedelta(days=10),
            milestone=milestone,
        )
        services.receipt_add(actor=pm, milestone=milestone, amount=amount, received_on=received_on)


def _services(contract, pm, assessor, hospital) -> None:
    from dengbao.engagements import year_services

    year_services.occurrences_generate(actor=pm, contract=contract, owner=assessor)
    for o in contract.occurrences.all():
        if (o.kind, o.sequence) in UNDONE:
            continue
        year_services.occurrence_complete(
            actor=assessor, occurrence=o, done_on=o.due_on, proof=f"演示数据：{o.title}记录 {o.due_on:%Y%m%d}"
        )
    year_services.training_record(
        actor=assessor,
        contract=contract,
        topic="网络安全意识与钓鱼邮件防范（演示数据）",
        trainer="李测评",
        held_on=D(2020, 7, 15),
        attendees=[
            {"name": "刘信息科", "department": "信息科"},
            {"name": "门诊部演示人员", "department": "门诊部"},
            {"name": "住院部演示人员", "department": "住院部"},
            {"name": "财务科演示人员", "department": "财务科"},
        ],
        materials="演示数据：培训讲义与测验题",
        quiz_scores={"刘信息科": 95, "门诊部演示人员": 86, "住院部演示人员": 90, "财务科演示人员": 78},
    )
    year_services.feedback_record(
        actor=hospital,
        contract=contract,
        kind="complaint",
        received_on=D(2020, 10, 5),
        person="刘信息科",
        content="国庆期间门户网站告警后响应超过 1 小时（演示数据）。",
        handling="已调整节假日值班表，增加二线值守（演示数据）。",
        handled_on=D(2020, 10, 9),
    )
    year_services.feedback_record(
        actor=pm,
        contract=contract,
        kind="visit",
        received_on=D(2020, 12, 10),
        person="刘信息科",
        content="全年服务按计划完成，报告清楚（演示数据）。",
        satisfaction=5,
    )


def _tickets(contract, assessor, hospital) -> None:
    from dengbao.engagements import year_services

    met = year_services.ticket_open(
        actor=hospital,
        contract=contract,
        title="HIS 数据库连接异常（演示数据）",
        kind="fault",
        priority="P1",
        source="phone",
        description="扫描期间 HIS 数据库连接数耗尽，门诊挂号缓慢（演示数据）。",
        system_ids=list(contract.project.systems.filter(code="HIS").values_list("pk", flat=True)),
        on_site_required=True,
        at=at(D(2020, 6, 12), 21, 5),
    )
    start = met.opened_at
    for minutes, kind, note in (
        (20, "acknowledged", "电话回复，远程排查"),
        (35, "waiting_client", "等待医院值班人员开通机房门禁"),
        (75, "resumed", "门禁已开通"),
        (140, "on_site", "工程师到场"),
        (240, "resolved", "停止扫描任务，释放连接，业务恢复"),
    ):
        year_services.ticket_event(
            actor=assessor, ticket=met, kind=kind, note=note, at=start + dt.timedelta(minutes=minutes)
        )
    year_services.ticket_close(
        actor=assessor,
        ticket=met,
        report="原因：扫描并发过高。措施：限制扫描并发，改在夜间低峰执行（演示数据）。",
        at=start + dt.timedelta(minutes=300),
    )
    breached = year_services.ticket_open(
        actor=assessor,
        contract=contract,
        title="门户网站首页篡改告警（演示数据）",
        kind="incident",
        priority="P2",
        source="monitoring",
        system_ids=list(contract.project.systems.filter(code="WEB").values_list("pk", flat=True)),
        at=at(D(2020, 10, 3), 2, 10),
    )
    start = breached.opened_at
    for minutes, kind, note in (
        (95, "acknowledged", "值班人员未及时接听告警"),
        (300, "resolved", "误报：CDN 缓存旧页面"),
    ):
        year_services.ticket_event(
            actor=assessor, ticket=breached, kind=kind, note=note, at=start + dt.timedelta(minutes=minutes)
        )
    year_services.ticket_close(
        actor=assessor,
        ticket=breached,
        report="响应超时 35 分钟，已调整节假日值班（演示数据）。",
        at=start + dt.timedelta(minutes=320),
    )
