"""The collection page offers the Windows script and takes a Windows host's zip bundle."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.assessments import services as assessment_services
from dengbao.collection.models import CollectedBundle, Proposal

from ..conftest import verified_client
from .test_proposals import server  # noqa: F401 - the fixture
from .test_views import _url
from .windows_bundle import bundle

pytestmark = pytest.mark.django_db


def test_windows_script_download_and_zip_upload(world_a, server):  # noqa: F811
    assessor = world_a.members["assessor"]
    emr = assessment_services.object_add(
        actor=assessor,
        assessment=server.assessment,
        kind="服务器/操作系统",
        name="EMR数据库服务器",
        location="192.168.10.21",
    )
    client = verified_client(assessor)
    page = client.get(_url("proposals", server)).content.decode()
    assert "下载 Windows 采集脚本" in page and ".zip" in page
    script = client.get(_url("script_windows", server))
    assert script.status_code == 200
    assert script.content.startswith(b"\xef\xbb\xbf<#") and b"secedit.exe /export" in script.content
    assert script["Content-Disposition"] == 'attachment; filename="dengbao-collect-windows.ps1"'

    files = [SimpleUploadedFile("weak.zip", bundle("weak", kind="zip"))]
    response = client.post(_url("upload", server), {"bundles": files}, follow=True)
    assert "weak.zip → EMR数据库服务器" in response.content.decode()
    stored = CollectedBundle.objects.get(obj=emr)
    assert stored.platform == "windows" and stored.file.name.endswith(".zip")
    assert stored.counts == {"pass": 4, "fail": 56, "na": 0, "error": 1}
    assert Proposal.objects.filter(record__obj=emr, unit_id="L3-CES1-01", result="不符合").exists()
