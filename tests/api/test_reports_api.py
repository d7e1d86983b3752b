"""The documents API: a generation job from start to its document, versions with hashes, the file itself."""

from __future__ import annotations

import hashlib
import io
import json
from urllib.parse import quote

import docx
import pytest

from dengbao.reports.models import DocumentJob, GeneratedDocument
from dengbao.reports.services import document_release, document_store
from dengbao.scanning.import_services import import_scan
from tests.scanning.conftest import SAMPLES

BASE = "/api/projects/proj-a"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scan_import(world_a):
    return import_scan(
        actor=world_a.members["assessor"],
        project=world_a.project,
        fmt="nessus",
        path=SAMPLES / "nessus_hospital.nessus",
    )


def _start(client, body):
    return client.post(f"{BASE}/document-jobs", json.dumps(body), content_type="application/json")


def test_a_job_makes_a_document_whose_file_matches_its_hash(world_a, scan_import, as_role):
    client = as_role("assessor")
    started = _start(client, {"kind": "scan_report", "import_id": scan_import.pk})
    assert started.status_code == 202, started.content
    job = started.json()
    assert (job["kind"], job["label"], job["params"]) == (
        "scan_report",
        "漏洞扫描报告",
        {"import_id": scan_import.pk},
    )
    followed = client.get(f"{BASE}/document-jobs/{job['id']}").json()
    assert followed["status"] == "done" and followed["percent"] == 100 and followed["error"] == ""
    stored = GeneratedDocument.objects.get()
    assert [d["id"] for d in followed["documents"]] == [stored.pk]
    made = followed["documents"][0]
    assert (made["kind"], made["version"], made["sha256"], made["signed"]) == (
        "scan_report",
        1,
        stored.sha256,
        False,
    )
    assert made["template"] == stored.template_name and made["template"]

    # a draft stays with the provider; the client sees it once the manager releases it
    assert as_role("client").get(f"{BASE}/documents").json()["count"] == 0
    assert as_role("client").get(f"{BASE}/documents/{stored.pk}/file").status_code == 404
    document_release(actor=world_a.members["manager"], document=stored)
    listed = as_role("client").get(f"{BASE}/documents").json()
    assert listed["count"] == 1 and listed["items"][0]["sha256"] == stored.sha256
    assert listed["items"][0]["released"] is True and made["released"] is False

    got = as_role("client").get(f"{BASE}/documents/{stored.pk}/file")
    assert got.status_code == 200
    content = b"".join(got.streaming_content)
    assert hashlib.sha256(content).hexdigest() == stored.sha256 == made["sha256"]
    assert quote(stored.filename) in got["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    assert "漏洞扫描报告" in text


def test_a_job_with_bad_parameters_is_400_and_not_started(world_a, as_role):
    client = as_role("manager")
    unknown = _start(client, {"kind": "annual_report"})
    assert unknown.status_code == 400 and "未知的文档类型" in unknown.json()["detail"]
    foreign_import = _start(client, {"kind": "scan_report", "import_id": 999999})
    assert foreign_import.status_code == 400
    assert foreign_import.json()["detail"] == "请选择本项目的一次扫描结果导入"
    month = _start(client, {"kind": "monitoring_report", "month": "三月"})
    assert month.status_code == 400 and "YYYY-MM" in month.json()["detail"]
    assert not DocumentJob.objects.exists()


def test_the_client_contact_cannot_start_or_follow_jobs(world_a, scan_import, as_role):
    client = as_role("client")
    assert _start(client, {"kind": "scan_report", "import_id": scan_import.pk}).status_code == 403
    assert client.get(f"{BASE}/document-jobs").status_code == 403
    assert not DocumentJob.objects.exists()


def test_documents_are_paginated_newest_first(world_a, as_role):
    made = [
        document_store(
            actor=None,
            project=world_a.project,
            kind="grading_report",
            filename="定级报告.docx",
            content=b"PK-%d" % n,
        )
        for n in range(5)
    ]
    client = as_role("reviewer")
    first = client.get(f"{BASE}/documents", {"limit": 2}).json()
    rest = client.get(f"{BASE}/documents", {"limit": 10, "offset": 2}).json()
    assert first["count"] == rest["count"] == 5
    assert len(first["items"]) == 2 and len(rest["items"]) == 3
    assert {d["id"] for d in first["items"] + rest["items"]} == {d.pk for d in made}
    assert sorted(d["version"] for d in first["items"] + rest["items"]) == [1, 2, 3, 4, 5]
    assert {d["sha256"] for d in rest["items"]} <= {
        hashlib.sha256(b"PK-%d" % n).hexdigest() for n in range(5)
    }


def test_a_foreign_project_is_404(world_a, stranger):
    document = document_store(
        actor=None, project=world_a.project, kind="grading_report", filename="x.docx", content=b"PK-x"
    )
    job = DocumentJob.objects.create(project=world_a.project, kind="bundle")
    for url in (
        f"{BASE}/documents",
        f"{BASE}/documents/{document.pk}/file",
        f"{BASE}/document-jobs",
        f"{BASE}/document-jobs/{job.pk}",
    ):
        assert stranger.get(url).status_code == 404, url
    assert _start(stranger, {"kind": "bundle"}).status_code == 404
    assert DocumentJob.objects.count() == 1
