"""Findings list 严重 first; a scan page offers 取消扫描 only while the scan runs (after a refresh too)."""

from __future__ import annotations

from django.urls import reverse

from dengbao.scanning.finding_services import finding_create
from dengbao.scanning.models import Scan
from tests.conftest import verified_client
from tests.scanning import factories


def test_findings_are_listed_most_severe_first(world, assessor):
    for severity in ("信息", "低", "严重", "中", "高"):  # created out of order; 信息 has no due date
        finding_create(
            actor=assessor,
            project=world.project,
            title=f"发现-{severity}",
            severity=severity,
            host="10.20.1.9",
        )
    page = verified_client(assessor).get(reverse("scanning:findings", args=[world.project.slug]))
    text = page.content.decode()
    positions = [text.index(f"发现-{s}") for s in ("严重", "高", "中", "低", "信息")]
    assert positions == sorted(positions)


def test_only_a_running_scan_offers_cancel_and_the_refresh_drops_it(world, assessor):
    scan = factories.scan(world)
    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.RUNNING)
    url = reverse("scanning:scan", kwargs={"project": world.project.slug, "scan_id": scan.pk})
    client = verified_client(assessor)
    running = client.get(url).content.decode()
    assert "取消扫描" in running and 'hx-trigger="every 1s"' in running
    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.DONE)
    refreshed = client.get(url, HTTP_HX_REQUEST="true").content.decode()  # what the page swaps in
    assert 'id="scan-progress"' in refreshed and "取消扫描" not in refreshed
    assert "hx-trigger" not in refreshed  # and it stops polling
    assert "取消扫描" not in client.get(url).content.decode()
