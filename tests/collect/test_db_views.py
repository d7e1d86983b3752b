"""The collection page offers the database scripts and takes their text output in the upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dengbao.assessments import services as assessment_services
from dengbao.collection.models import CollectedBundle, Proposal
from dengbao.core.collect.scripts import DATABASE_SCRIPTS

from ..conftest import verified_client
from .test_proposals import server  # noqa: F401 - the fixture
from .test_views import _url

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "db"


def test_database_scripts_download_from_the_page(world_a, server):  # noqa: F811
    client = verified_client(world_a.members["assessor"])
    page = client.get(_url("proposals", server)).content.decode()
    for platform, module in DATABASE_SCRIPTS.items():
        url = _url("db_script", server, platform=platform)
        assert url in page
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="dengbao-collect-{platform}.sql"'
        assert response.content.decode() == module.script()
    assert client.get(_url("db_script", server, platform="db2")).status_code == 404
    assert (
        'accept=".tar.gz,.tgz,.zip,application/gzip,application/zip,.cfg,.conf,.txt,.log,text/plain"' in page
    )


def test_uploaded_database_output_is_matched_by_host_and_proposes(world_a, server):  # noqa: F811
    assessor = world_a.members["assessor"]
    db = assessment_services.object_add(
        actor=assessor, assessment=server.assessment, kind="数据库管理系统", name="lis-db1"
    )
    client = verified_client(assessor)
    data = (FIXTURES / "mysql8-hardened.txt").read_bytes()
    response = client.post(
        _url("upload", server), {"bundles": [SimpleUploadedFile("lis.txt", data)]}, follow=True
    )
    assert "lis.txt → lis-db1" in response.content.decode()
    stored = CollectedBundle.objects.get(obj=db)
    assert stored.platform == "mysql" and stored.counts["fail"] == 0 and stored.counts["pass"] >= 20
    results = dict(Proposal.objects.filter(record__obj=db).values_list("unit_id", "result"))
    assert results["L3-CES1-02"] == "符合" and len(results) >= 15
