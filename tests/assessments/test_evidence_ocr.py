"""Evidence screenshots: uploaded through the checklist, read by the background job, found by search."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.assessments import evidence_ocr, services
from dengbao.assessments.models import Evidence, OcrState
from dengbao.audit.models import AuditEvent
from tests.ocr.screenshot import policy_dialog_png


def _upload(client, base, record, name, data, content_type, capture):
    with capture(execute=True):  # the upload's transaction commits: the job is dispatched (inline in tests)
        return client.post(
            f"{base}results/{record.pk}/evidence/",
            {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        )


def _setup(world_a, assessment, login):
    obj = services.object_add(
        actor=world_a.members["assessor"], assessment=assessment, kind="服务器/操作系统", name="HIS-APP"
    )
    client = login(world_a.members["assessor"])
    base = f"/projects/proj-a/assessments/{assessment.pk}/"
    return obj, client, base


def test_uploaded_screenshot_is_read_and_found_by_the_checklist_search(
    world_a, assessment, login, django_capture_on_commit_callbacks
):
    obj, client, base = _setup(world_a, assessment, login)
    record = obj.results.get(unit_id="L3-CES1-01")
    r = _upload(client, base, record, "密码策略.png", policy_dialog_png(), "image/png",
                django_capture_on_commit_callbacks)  # fmt: skip
    assert r.status_code == 200
    evidence = Evidence.objects.get(record=record)
    assert evidence.ocr_state == OcrState.DONE and evidence.ocr_at is not None, evidence.ocr_error
    text = re.sub(r"\s+", "", evidence.ocr_text)
    assert "密码长度最小值" in text and "8个字符" in text and "Minimumpasswordlength" in text
    assert 0.8 < evidence.ocr_confidence <= 1
    assert AuditEvent.objects.filter(action="result.evidence_add").exists()

    page = client.get(f"{base}objects/{obj.pk}/", {"q": "密码长度最小值"}).content.decode()
    assert page.count('class="row ') == 1 and 'data-unit="L3-CES1-01"' in page
    hits = page[page.index('class="search-hits"') :]
    hits = hits[: hits.index("</ul>")]
    assert "截图文字 · 密码策略.png" in hits and "<mark>密码长度最小值</mark>" in hits
    assert "8个字符" in hits  # the snippet shows the text around the match

    # OCR drops spaces: the query "8 个字符" still matches "8个字符"
    page = client.get(f"{base}objects/{obj.pk}/", {"q": "8 个字符"}).content.decode()
    assert page.count('class="row ') == 1 and "<mark>8个字符</mark>" in page
    page = client.get(f"{base}objects/{obj.pk}/", {"q": "不存在的文字"}).content.decode()
    assert page.count('class="row ') == 0 and 'id="search-count"' in page
    full = client.get(f"{base}objects/{obj.pk}/").content.decode()
    assert full.count('class="row ') == obj.results.count() > 1


def test_search_also_matches_unit_ids_and_result_notes(world_a, assessment, login):
    obj, client, base = _setup(world_a, assessment, login)
    record = obj.results.get(unit_id="L3-CES1-02")
    services.result_record(
        actor=world_a.members["assessor"], record=record, value="符合", note="已配置登录失败锁定", methods=[],
        na_reason="", version=0,
    )  # fmt: skip
    page = client.get(f"{base}objects/{obj.pk}/", {"q": "失败锁定"}).content.decode()
    assert page.count('class="row ') == 1 and 'data-unit="L3-CES1-02"' in page and "结果记录" in page
    page = client.get(f"{base}objects/{obj.pk}/", {"q": "l3-ces1-0"}).content.decode()
    assert page.count('class="row ') == obj.results.filter(unit_id__startswith="L3-CES1-0").count() > 2


def test_non_images_are_not_read_and_broken_or_oversize_images_fail_gracefully(
    world_a, assessment, login, django_capture_on_commit_callbacks, settings
):
    obj, client, base = _setup(world_a, assessment, login)
    record = obj.results.get(unit_id="L3-CES1-01")
    _upload(
        client, base, record, "记录.pdf", b"%PDF-1.7 x", "application/pdf", django_capture_on_commit_callbacks
    )
    _upload(
        client, base, record, "假图.png", b"not really a png", "image/png", django_capture_on_commit_callbacks
    )
    pdf, fake = Evidence.objects.filter(record=record).order_by("pk")
    assert pdf.ocr_state == "" and pdf.ocr_text == "" and pdf.ocr_at is None
    assert fake.ocr_state == OcrState.FAILED and "不是可识别的图片" in fake.ocr_error
    page = client.get(f"{base}objects/{obj.pk}/").content.decode()
    assert "未能识别" in page  # the row shows the evidence could not be read, with the reason as its title

    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # a few kB, 400 million pixels
    r = _upload(
        client, base, record, "炸弹.png", out.getvalue(), "image/png", django_capture_on_commit_callbacks
    )
    assert r.status_code == 200  # the upload itself stands: it is evidence; only its text is not read
    bomb = Evidence.objects.get(record=record, filename="炸弹.png")
    assert bomb.ocr_state == OcrState.FAILED and "像素过多" in bomb.ocr_error


def test_cli_reads_missing_then_all_with_a_progress_bar(
    world_a, assessment, login, django_capture_on_commit_callbacks
):
    from dengbao.cli import main

    obj, client, base = _setup(world_a, assessment, login)
    record = obj.results.get(unit_id="L3-CES1-01")
    _upload(
        client, base, record, "a.png", policy_dialog_png(), "image/png", django_capture_on_commit_callbacks
    )
    Evidence.objects.update(ocr_state="", ocr_text="", ocr_at=None)  # as evidence uploaded before OCR existed
    assert list(evidence_ocr.to_read()) == list(Evidence.objects.all())

    result = CliRunner().invoke(main, ["evidence", "ocr", "--missing", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"images": 1, "states": {"done": 1}}
    assert "密码长度最小值" in Evidence.objects.get().ocr_text
    result = CliRunner().invoke(main, ["evidence", "ocr", "--json"])
    assert json.loads(result.stdout) == {"images": 0, "states": {}}  # nothing left to read
    result = CliRunner().invoke(main, ["evidence", "ocr", "--all", "--json"])
    assert json.loads(result.stdout) == {"images": 1, "states": {"done": 1}}
    assert "识别截图文字" in result.stderr  # the progress bar
