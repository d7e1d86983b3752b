"""An organisation replaces a shipped template: checked against the demo data, then used."""

from __future__ import annotations

import io

import docx
import pytest

from dengbao.core.documents.kinds import KINDS
from dengbao.reports.models import DocumentTemplate

from .test_documents import _text, demo_project  # noqa: F401 - fixture


def _modified(marker: str) -> bytes:
    document = docx.Document(str(KINDS["grading_report"].default))
    document.add_paragraph(marker)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def admin(demo_project):  # noqa: F811
    from dengbao.accounts.models import Organisation
    from tests.conftest import make_user

    provider = Organisation.objects.get(name="江城安测信息安全技术有限公司")
    return make_user(provider, platform_role="sysadmin", username="tpl-admin")


def test_upload_check_activate_and_use(demo_project, admin, login):  # noqa: F811
    from dengbao.accounts.models import User

    client = login(admin)
    shipped = client.get("/manage/templates/default/grading_report/")
    assert b"".join(shipped.streaming_content)[:2] == b"PK"

    bad = io.BytesIO(_modified("单位：{{ unit.nmae }}"))
    bad.name = "bad.docx"
    client.post("/manage/templates/", {"kind": "grading_report", "file": bad})
    rejected = DocumentTemplate.objects.get(filename="bad.docx")
    assert rejected.problems == ["未知字段：unit.nmae"]
    client.post(f"/manage/templates/{rejected.pk}/activate/", {"active": "1"})
    rejected.refresh_from_db()
    assert not rejected.active

    good = io.BytesIO(_modified("江城安测定制模板"))
    good.name = "ours.docx"
    client.post("/manage/templates/", {"kind": "grading_report", "file": good})
    template = DocumentTemplate.objects.get(filename="ours.docx")
    assert template.problems == []
    client.post(f"/manage/templates/{template.pk}/activate/", {"active": "1"})
    template.refresh_from_db()
    assert template.active

    pm = login(User.objects.get(username="pm"))  # same organisation as the administrator
    his = demo_project.systems.get(code="HIS")
    r = pm.post(f"/projects/demo/systems/{his.pk}/documents/grading-report/")
    assert "江城安测定制模板" in _text(docx.Document(io.BytesIO(r.content)))


def test_templates_page_is_for_the_system_administrator_only(demo_project, login):  # noqa: F811
    from dengbao.accounts.models import User

    for username in ("pm", "secadmin", "auditor"):
        assert login(User.objects.get(username=username)).get("/manage/templates/").status_code == 403
