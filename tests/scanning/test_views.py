"""The scanning pages through the test client: upload, errors with position, filters, bulk moves, refusals."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dengbao.scanning.finding_models import Finding, State
from dengbao.scanning.models import Authorisation, Import, Scan

from . import factories
from .conftest import SAMPLES

pytestmark = pytest.mark.django_db


def _url(name, world, **kw):
    return reverse(f"scanning:{name}", kwargs={"project": world.project.slug, **kw})


def _upload(client, world, name, fmt="auto", content=None):
    data = content if content is not None else (SAMPLES / name).read_bytes()
    return client.post(_url("imports", world), {"file": SimpleUploadedFile(name, data), "format": fmt})


def test_upload_shows_the_counts_and_every_page_renders(world, assessor, login):
    client = login(assessor)
    response = _upload(client, world, "nessus_hospital.nessus")
    assert response.status_code == 200
    text = response.content.decode()
    assert "导入完成" in text and "新增 16 个" in text and "文件内重复 1 条" in text
    assert Import.objects.get().filename == "nessus_hospital.nessus"
    _upload(client, world, "nmap_hospital.xml", "nmap")
    finding = Finding.objects.filter(rule_id="97833").get()
    factories.authorisation(world)
    factories.pentest(world)
    for name, kw in [("overview", {}), ("findings", {}), ("assets", {}), ("imports", {}), ("scans", {}),
                     ("authorisations", {}), ("pentests", {}), ("finding", {"finding_id": finding.pk}),
                     ("pentest", {"pentest_id": factories.pentest(world).pk}),
                     ("authorisation", {"authorisation_id": factories.authorisation(world).pk})]:  # fmt: skip
        page = client.get(_url(name, world, **kw))
        assert page.status_code == 200, name
    overview = client.get(_url("overview", world)).content.decode()
    assert 'id="trend"' in overview and "echarts-5.6.0.min.js" in overview
    assets = client.get(_url("assets", world)).content.decode()
    assert "新开放端口" in assets and "10.20.1.10" in assets


def test_malformed_upload_names_the_position_and_stores_nothing(world, assessor, login):
    text = (SAMPLES / "nessus_hospital.nessus").read_bytes()
    response = _upload(login(assessor), world, "q1.nessus", "nessus", content=text[: len(text) // 2])
    assert response.status_code == 400
    body = response.content.decode()
    assert "导入失败，未保存任何数据" in body and "q1.nessus：第 " in body and "dengbao-import-" not in body
    assert not Finding.objects.exists() and not Import.objects.exists()


def test_oversize_upload_is_refused(world, assessor, login, settings):
    settings.DENGBAO_MAX_UPLOAD_BYTES = 2048
    response = _upload(login(assessor), world, "nessus_hospital.nessus")
    assert response.status_code in (400, 413)
    assert "过大" in response.content.decode()
    assert not Import.objects.exists()


def test_client_may_not_upload_but_may_read(world, client_user, login):
    client = login(client_user)
    assert _upload(client, world, "nessus_hospital.nessus").status_code == 403
    assert client.get(_url("findings", world)).status_code == 200


def test_filters_and_pagination(world, assessor, login):
    client = login(assessor)
    _upload(client, world, "nessus_hospital.nessus")
    page = client.get(_url("findings", world), {"severity": "严重", "state": ""}).content.decode()
    assert "共 2 个漏洞" in page
    page = client.get(_url("findings", world), {"host": "pacs", "state": ""}).content.decode()
    n = (
        Finding.objects.filter(host__icontains="pacs").count()
        + Finding.objects.filter(hostname__icontains="pacs").exclude(host__icontains="pacs").count()
    )
    assert f"共 {n} 个漏洞" in page
    page = client.get(_url("findings", world), {"tool": "nessus", "state": "", "page": "99"})
    assert page.status_code == 200


def test_bulk_state_change_from_the_list(world, assessor, login):
    client = login(assessor)
    _upload(client, world, "nessus_hospital.nessus")
    ids = list(Finding.objects.filter(severity="信息").values_list("pk", flat=True))
    response = client.post(
        _url("findings", world), {"finding": ids, "to": State.FALSE_POSITIVE, "note": "扫描信息"}
    )
    assert response.status_code == 302
    assert set(Finding.objects.filter(pk__in=ids).values_list("state", flat=True)) == {State.FALSE_POSITIVE}


def test_finding_detail_transition_comment_and_history(world, assessor, client_user, login):
    finding = factories.finding(world)
    client = login(assessor)
    url = _url("finding", world, finding_id=finding.pk)
    client.post(url, {"action": "transition", "to": State.CONFIRMED, "note": "已人工验证"})
    login(client_user).post(url, {"action": "comment", "text": "计划下周修复"})
    page = client.get(url).content.decode()
    assert "已确认" in page and "计划下周修复" in page and "已人工验证" in page
    # the client cannot confirm a false positive
    response = login(client_user).post(url, {"action": "transition", "to": State.FALSE_POSITIVE})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == State.CONFIRMED


def test_authorisation_create_with_upload_and_scan_refused_outside_it(world, manager, assessor, login):
    client = login(manager)
    response = client.post(
        _url("authorisations", world),
        {
            "title": "2026 年度漏洞扫描授权书", "signer": "刘信息科", "signed_on": "2026-01-05",
            "cidrs": "127.0.0.0/8", "ports": "1-65535", "techniques": ["discovery"],
            "valid_from": "2026-01-01T00:00", "valid_until": "2099-01-01T00:00",
            "document": SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 signed"),
        },
    )  # fmt: skip
    auth = Authorisation.objects.get()
    assert (
        response.status_code == 302 and auth.document_name == "授权书.pdf" and len(auth.document_sha256) == 64
    )
    download = client.get(_url("authorisation_document", world, authorisation_id=auth.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    response = login(assessor).post(
        _url("scans", world), {"targets": "192.0.2.1", "ports": "80", "profile": "quick"}
    )
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.REFUSED and "192.0.2.1" in scan.refused_reason
    page = login(assessor).get(_url("scan", world, scan_id=scan.pk)).content.decode()
    assert "扫描被拒绝" in page


def test_post_only_sla_view_checks_permission_before_405(world, assessor, manager, login):
    assert login(assessor).get(_url("sla", world)).status_code == 403
    assert login(manager).get(_url("sla", world)).status_code == 405
    response = login(manager).post(_url("sla", world), {"严重": "5", "高": "20", "中": "60", "低": "120"})
    assert response.status_code == 302
    assert world.project.finding_sla.critical_days == 5


def test_upload_shows_the_summary_and_numbered_warnings(world, assessor, login):
    client = login(assessor)
    response = _upload(client, world, "xray_webscan.json")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<dd id="summary-hosts">2</dd>' in text
    assert (
        "新开放 0 个，仍开放 0 个，已关闭 0 个" in text and "新增 5 个" in text and "文件内重复 1 条" in text
    )
    assert '<li value="1">第 7 个结果：插件 baseline/sensitive/server-error 的结果没有 addr' in text
    xss = Finding.objects.get(project=world.project, rule_id="xss/reflected/default")
    page = client.get(_url("finding", world, finding_id=xss.pk)).content.decode()
    assert "本次导入中的 2 处位置" in page and "http://oa.hospital.example/search.php?kw=again" in page
    empty = _upload(client, world, "nothing.jsonl", "nuclei", content=b"")
    assert empty.status_code == 200 and "没有关闭任何发现" in empty.content.decode()
    auto = _upload(client, world, "nothing.jsonl", "auto", content=b"")
    assert auto.status_code == 400 and "文件为空（Nuclei（-jsonl）、xray" in auto.content.decode()
