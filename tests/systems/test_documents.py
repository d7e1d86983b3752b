"""定级报告 and 备案表 from the records: generated, versioned with their hash, opened again."""

from __future__ import annotations

import hashlib
import io
import zipfile

import docx
import pytest
from click.testing import CliRunner

from dengbao.cli import main
from dengbao.reports.models import GeneratedDocument


@pytest.fixture
def demo_project(demo_db):
    return demo_db


def _text(document: docx.document.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_grading_report_from_the_web(demo_project, login):
    from dengbao.accounts.models import User

    ih = demo_project.systems.get(code="IH")
    client = login(User.objects.get(username="pm"))
    r = client.post(f"/projects/demo/systems/{ih.pk}/documents/grading-report/")
    assert r.status_code == 200
    assert "attachment" in r["Content-Disposition"]
    text = _text(docx.Document(io.BytesIO(r.content)))
    assert "互联网医院" in text and "第三级" in text and "第二级" in text
    stored = GeneratedDocument.objects.get(system=ih, kind="grading_report")
    assert stored.version == 1 and stored.sha256 == hashlib.sha256(r.content).hexdigest()
    assert stored.generated_by.username == "pm"
    client.post(f"/projects/demo/systems/{ih.pk}/documents/grading-report/")
    assert GeneratedDocument.objects.filter(system=ih, kind="grading_report").count() == 2
    listing = client.get("/projects/demo/documents/").content.decode()
    assert "IH-定级报告.docx" in listing
    download = client.get(f"/projects/demo/documents/{stored.pk}/")
    assert b"".join(download.streaming_content) == r.content


def test_missing_fields_are_listed_not_printed_blank(demo_project, login):
    from dengbao.accounts.models import User

    oa = demo_project.systems.get(code="OA")
    oa.composition = ""
    oa.save()
    client = login(User.objects.get(username="pm"))
    r = client.post(f"/projects/demo/systems/{oa.pk}/documents/grading-report/", follow=True)
    assert "生成前请补充" in r.content.decode() and "定级对象构成" in r.content.decode()
    assert not GeneratedDocument.objects.filter(system=oa).exists()


def test_client_contact_cannot_generate(demo_project, login):
    from dengbao.accounts.models import User

    his = demo_project.systems.get(code="HIS")
    client = login(User.objects.get(username="hospital"))
    assert client.post(f"/projects/demo/systems/{his.pk}/documents/filing-form/").status_code == 403


def test_all_twelve_documents_as_one_zip(demo_project, login):
    from dengbao.accounts.models import User

    r = login(User.objects.get(username="pm")).post("/projects/demo/systems/documents.zip")
    assert r.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = sorted(archive.namelist())
    assert len(names) == 12
    assert {n.split("-")[0] for n in names} == {"HIS", "EMR", "LIS", "IH", "OA", "WEB"}
    form = docx.Document(io.BytesIO(archive.read("OA-备案表.docx")))
    text = _text(form)
    assert "江城市第一医院" in text and "办公自动化系统（OA）" in text and "业务与办公数据" in text


def test_cli_docs_commands(demo_project, tmp_path):
    runner = CliRunner()
    out = tmp_path / "his.docx"
    result = runner.invoke(
        main, ["docs", "filing-form", "--system", "HIS", "--legacy", "-o", str(out), "--user", "pm"]
    )
    assert result.exit_code == 0, result.output
    text = _text(docx.Document(str(out)))
    assert "医院信息系统（HIS）" in text and "表四" in text and "表六" not in text
    refused = runner.invoke(
        main, ["docs", "grading-report", "--system", "HIS", "-o", str(out), "--user", "hospital"]
    )
    assert refused.exit_code == 1 and "permission denied" in refused.output
    unknown = runner.invoke(
        main, ["docs", "grading-report", "--system", "NOPE", "-o", str(out), "--user", "pm"]
    )
    assert unknown.exit_code == 2 and "no system 'NOPE'" in unknown.output


def test_documents_keep_the_official_chinese_whatever_the_interface_language(demo_project, login):
    from django.conf import settings

    from dengbao.accounts.models import User

    ih = demo_project.systems.get(code="IH")
    texts = {}
    for language in ("en", "zh-hans"):
        client = login(User.objects.get(username="pm"))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        assert ("Grading objects" in client.get("/projects/demo/").content.decode()) == (language == "en")
        r = client.post(f"/projects/demo/systems/{ih.pk}/documents/filing-form/")
        texts[language] = _text(docx.Document(io.BytesIO(r.content)))
    assert texts["en"] == texts["zh-hans"]
    assert "公众服务" in texts["en"] and "Public service" not in texts["en"]
