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


def test_monitoring_month_report_from_the_documents_page(world_a, login):
    from django.utils import timezone

    from dengbao.monitoring.models import Monitor, Rollup
    from dengbao.monitoring.services import monitor_create
    from tests.monitoring import factories as monitoring

    manager = world_a.members["manager"]
    monitoring.allowed_host(world_a, "127.0.0.1")  # an internal address: not the manager's to add
    data = {"name": "门户甲", "url": "http://127.0.0.1:9/", "zone": "intranet"}
    monitor = monitor_create(actor=manager, project=world_a.project, data=data)
    day = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    Rollup.objects.create(monitor=monitor, period=Rollup.Period.DAY, start=day, checks=100, up=97,
                          response_count=97, response_sum=97 * 200.0)  # fmt: skip
    client = login(manager)
    month = f"{day:%Y-%m}"
    assert "生成网站监测月报" in client.get("/projects/proj-a/documents/").content.decode()
    client.post("/projects/proj-a/documents/generate/", {"kind": "monitoring_report", "month": month})
    job = DocumentJob.objects.get()
    assert job.status == "done", job.error
    stored = job.documents.get()
    text = _text(docx.Document(io.BytesIO(stored.file.read())))
    assert "网站监测月报" in text and "门户甲" in text and "97%" in text and "200 ms" in text
    row = stored.data["rows"][0]
    assert row["uptime_percent"] == 97.0
    # downtime from the same checks: 3 % of the day's minutes (of the part of it gone by, on the 1st)
    day_minutes = min((timezone.now() - day).total_seconds() / 60, 1440)
    assert row["downtime_minutes"] > 0 and abs(row["downtime_minutes"] - 0.03 * day_minutes) < 0.1
    assert f"{row['downtime_minutes']:g} 分钟" in text
    assert Monitor.objects.count() == 1
    client.post("/projects/proj-a/documents/generate/", {"kind": "monitoring_report", "month": "2026-13"})
    failed = DocumentJob.objects.order_by("-pk").first()
    assert failed.status == "failed" and "年月" in failed.error
