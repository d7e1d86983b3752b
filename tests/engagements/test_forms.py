"""The recording forms: line items, payment triggers, receipts, invoices, training, feedback."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.audit.models import AuditEvent
from dengbao.engagements import selectors

from . import factories

BASE = "/projects/proj-a/engagement/"


@pytest.fixture
def contract(world_a):
    return factories.contract(world_a)


def test_manager_adds_and_deletes_line_items(world_a, contract, login):
    url = BASE + "contract/line-items/"
    web = world_a.project.systems.get(code="WEB")
    form = {"item": "渗透测试", "quantity": "2", "unit": "次", "amount": "8,000", "systems": [str(web.pk)]}
    for role in ("assessor", "reviewer", "client"):
        assert login(world_a.members[role]).post(url, form).status_code == 403
    manager = login(world_a.members["manager"])
    assert manager.get(url).status_code == 405
    page = manager.post(url, form, follow=True).content.decode()
    line = contract.line_items.get(item="渗透测试")
    assert (line.position, line.quantity, line.amount, list(line.systems.all())) == (
        4,
        2,
        Decimal("8000.00"),
        [web],
    )
    assert "明细金额之和与合同总价相差 ¥8,000.00" in page
    bad = manager.post(url, {**form, "amount": "abc"}, follow=True).content.decode()
    assert "不是有效金额" in bad and contract.line_items.count() == 4
    delete_url = f"{BASE}contract/line-items/{line.pk}/delete/"
    assert login(world_a.members["client"]).post(delete_url).status_code == 403
    manager.post(delete_url)
    assert not contract.line_items.filter(pk=line.pk).exists()
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="contract.line_item")] == [
        "contract.line_item", "contract.line_item_delete",
    ]  # fmt: skip


def test_payment_trigger_receipt_and_invoice_forms(world_a, contract, login):
    first, _, _ = contract.milestones.order_by("position")
    manager = login(world_a.members["manager"])
    trigger_url = f"{BASE}contract/payments/{first.pk}/trigger/"
    assert login(world_a.members["client"]).post(trigger_url, {"on": "2019-12-05"}).status_code == 403
    assert login(world_a.members["client"]).get(trigger_url).status_code == 403  # permission before 405
    manager.post(trigger_url, {"on": "2019-12-05"})
    first.refresh_from_db()
    assert first.triggered_on == dt.date(2019, 12, 5)
    receipt_url = f"{BASE}contract/payments/{first.pk}/receipts/"
    manager.post(receipt_url, {"amount": "46,800", "received_on": "2019-12-20", "note": "首付款"})
    page = manager.post(
        receipt_url, {"amount": "0", "received_on": "2019-12-20"}, follow=True
    ).content.decode()
    assert "须大于 0" in page
    (row, *_) = selectors.payment_rows(
        actor=world_a.members["client"], contract=contract, today=dt.date(2020, 1, 1)
    )
    # 30% of ¥156,000, due 15 working days after 2019-12-05, paid in full on 2019-12-20
    assert (row.amount, row.received, row.received_on, row.late_days) == (
        Decimal("46800.00"), Decimal("46800.00"), dt.date(2019, 12, 20), 0,
    )  # fmt: skip
    invoice_url = BASE + "contract/invoices/"
    for kind, number in (("services", "INV-1"), ("software", "INV-2")):
        manager.post(
            invoice_url,
            {
                "kind": kind,
                "number": number,
                "amount": "1000",
                "issued_on": "2019-12-10",
                "milestone": str(first.pk),
            },
        )
    bad = manager.post(
        invoice_url, {"kind": "food", "number": "X", "amount": "1", "issued_on": "2019-12-10"}, follow=True
    )
    assert "货物、软件或服务" in bad.content.decode()
    assert list(contract.invoices.values_list("kind", "number", "milestone")) == [
        ("services", "INV-1", first.pk), ("software", "INV-2", first.pk),
    ]  # fmt: skip
    assert manager.post(f"{BASE}contract/payments/999999/receipts/", {"amount": "1"}).status_code == 404
    body = login(world_a.members["client"]).get(BASE + "contract/").content.decode()
    assert "INV-2" in body and "记录到账" not in body  # the client sees, but has no forms
    assert "记录到账" in manager.get(BASE + "contract/").content.decode()


def test_training_with_attendees_scores_and_bounded_files(world_a, contract, login, settings):
    url = BASE + "services/trainings/"
    form = {
        "topic": "钓鱼邮件防范",
        "trainer": "李测评",
        "held_on": "2020-07-15",
        "attendees": "刘信息科, 信息科, 95\n王护士，门诊部\n\n赵会计、财务科、78",
        "materials": "讲义",
        "sign_in_sheet": SimpleUploadedFile("签到表.pdf", b"%PDF sign"),
        "materials_file": [
            SimpleUploadedFile("讲义.pptx", b"PK slides"),
            SimpleUploadedFile("题目.docx", b"PK quiz"),
        ],
    }
    assert login(world_a.members["client"]).post(url, {"topic": "x"}).status_code == 403
    assessor = login(world_a.members["assessor"])
    assessor.post(url, form)
    session = contract.trainings.get()
    assert session.attendees == [
        {"name": "刘信息科", "department": "信息科"},
        {"name": "王护士", "department": "门诊部"},
        {"name": "赵会计", "department": "财务科"},
    ]
    assert session.quiz_scores == {"刘信息科": 95, "赵会计": 78}
    files = {(f.kind, f.filename): f for f in session.files.all()}
    assert set(files) == {("sign_in", "签到表.pdf"), ("materials", "讲义.pptx"), ("materials", "题目.docx")}
    assert files[("sign_in", "签到表.pdf")].sha256 == hashlib.sha256(b"%PDF sign").hexdigest()
    bad = assessor.post(
        url, {**form, "attendees": "张三, 科室, 120", "sign_in_sheet": "", "materials_file": []}, follow=True
    )
    assert "0 到 100" in bad.content.decode() and contract.trainings.count() == 1
    upload_url = f"{BASE}services/trainings/{session.pk}/files/"
    assert login(world_a.members["client"]).post(upload_url, {"kind": "sign_in"}).status_code == 403
    settings.DENGBAO_MAX_UPLOAD_BYTES = 16
    big = assessor.post(
        upload_url, {"kind": "sign_in", "file": SimpleUploadedFile("b.pdf", b"x" * 17)}, follow=True
    )
    assert "过大" in big.content.decode() and session.files.count() == 3
    sheet = files[("sign_in", "签到表.pdf")]
    download = login(world_a.members["client"]).get(
        f"{BASE}services/trainings/{session.pk}/files/{sheet.pk}/"
    )
    assert b"".join(download.streaming_content) == b"%PDF sign"
    page = login(world_a.members["client"]).get(BASE + "services/").content.decode()
    assert "刘信息科（信息科） 95 分" in page and "签到表.pdf" in page
    assert AuditEvent.objects.filter(action="service.training_file", outcome="ok").count() == 3


def test_client_complains_and_the_provider_records_the_handling(world_a, contract, login):
    client = login(world_a.members["client"])
    client.post(
        BASE + "services/feedback/",
        {"kind": "complaint", "received_on": "2020-10-05", "person": "刘信息科", "content": "国庆告警响应慢"},
    )
    complaint = contract.feedback.get()
    assert (complaint.kind, complaint.person, complaint.content) == (
        "complaint",
        "刘信息科",
        "国庆告警响应慢",
    )
    handle_url = f"{BASE}services/feedback/{complaint.pk}/handle/"
    form = {"action": "调整节假日值班", "handled_on": "2020-10-09", "resolved": "on"}
    assert client.post(handle_url, form).status_code == 403  # the client does not handle its own complaint
    assessor = login(world_a.members["assessor"])
    early = assessor.post(handle_url, {**form, "handled_on": "2020-10-01"}, follow=True).content.decode()
    assert "不能早于反馈日期" in early
    assessor.post(handle_url, {"action": "电话致歉，说明原因", "handled_on": "2020-10-06"})
    assessor.post(handle_url, form)
    assert list(complaint.handlings.values_list("action", "resolved")) == [
        ("电话致歉，说明原因", False), ("调整节假日值班", True),
    ]  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.handled_on == dt.date(2020, 10, 9)
    again = assessor.post(handle_url, form, follow=True).content.decode()
    assert "该反馈已办结" in again
    login(world_a.members["manager"]).post(
        BASE + "services/feedback/",
        {
            "kind": "visit",
            "received_on": "2020-12-10",
            "person": "刘信息科",
            "content": "满意",
            "satisfaction": "5",
        },
    )
    assert contract.feedback.get(kind="visit").satisfaction == 5
    page = client.get(BASE + "services/").content.decode()
    assert "调整节假日值班" in page and "已办结" in page
