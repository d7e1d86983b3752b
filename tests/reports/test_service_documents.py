"""The inspection/hardening record and the emergency-response record, from the engagement pages."""

from __future__ import annotations

import io

import docx

from dengbao.engagements import inspection_services
from dengbao.reports.models import DocumentJob
from tests.engagements import factories


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_inspection_record_from_the_visit_page(world_a, login):
    factories.contract(world_a)
    visit = factories.visit(world_a)
    target = visit.targets.get()
    first, second = target.results.all()[:2]
    assessor = world_a.members["assessor"]
    inspection_services.results_record(
        actor=assessor, target=target, results={first.pk: ("normal", ""), second.pk: ("abnormal", "缺补丁甲")}
    )
    factories.hardening_action(world_a)
    client = login(assessor)
    page = client.get(f"/projects/proj-a/engagement/inspections/{visit.pk}/").content.decode()
    assert "生成巡检及加固记录" in page
    client.post("/projects/proj-a/documents/generate/", {"kind": "inspection_record", "visit_id": visit.pk})
    job = DocumentJob.objects.get()
    assert job.status == "done", job.error
    stored = job.documents.get()
    assert stored.kind == "inspection_record" and stored.data["visit"]["id"] == visit.pk
    text = _text(docx.Document(io.BytesIO(stored.file.read())))
    assert "安全巡检及加固记录" in text and "HIS-DB01" in text and "缺补丁甲" in text
    assert "正常 1 项，异常 1 项" in text
    assert "{{" not in text and "{%" not in text


def test_ticket_record_and_a_foreign_ticket(world_a, world_b, login):
    factories.contract(world_a)
    ticket = factories.ticket(world_a)
    client = login(world_a.members["manager"])
    assert (
        "生成应急响应记录" in client.get(f"/projects/proj-a/engagement/tickets/{ticket.pk}/").content.decode()
    )
    client.post("/projects/proj-a/documents/generate/", {"kind": "ticket_record", "ticket_id": ticket.pk})
    job = DocumentJob.objects.get()
    assert job.status == "done", job.error
    text = _text(docx.Document(io.BytesIO(job.documents.get().file.read())))
    assert "应急响应记录" in text and ticket.title in text and "服务时限" in text
    factories.contract(world_b)
    foreign = factories.ticket(world_b)
    client.post("/projects/proj-a/documents/generate/", {"kind": "ticket_record", "ticket_id": foreign.pk})
    failed = DocumentJob.objects.order_by("-pk").first()
    assert failed.status == "failed" and "不存在或不属于本项目" in failed.error
    assert foreign.title not in failed.error
