"""The collection page: upload many bundles matched by host, accept proposals in bulk."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dengbao.assessments import services as assessment_services
from dengbao.assessments.models import ResultRecord
from dengbao.collection.models import CollectedBundle, Proposal

from ..conftest import verified_client
from .test_proposals import ARTEFACTS, make_bundle, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _url(name, obj, **kw):
    return reverse(
        f"collection:{name}",
        kwargs={"project": obj.assessment.project.slug, "assessment_id": obj.assessment.pk, **kw},
    )


def test_upload_matches_bundles_to_objects_and_bulk_accept(world_a, server):  # noqa: F811
    assessor = world_a.members["assessor"]
    other = assessment_services.object_add(
        actor=assessor, assessment=server.assessment, kind="服务器/操作系统", name="lis-db"
    )
    client = verified_client(assessor)
    files = [
        SimpleUploadedFile("a.tar.gz", make_bundle(ARTEFACTS, hostname="x")),  # by address → HIS应用服务器
        SimpleUploadedFile(
            "b.tar.gz", make_bundle(ARTEFACTS, hostname="LIS-DB", address="10.0.0.9")
        ),  # by name
        SimpleUploadedFile("c.tar.gz", make_bundle(ARTEFACTS, hostname="nobody", address="10.0.0.10")),
        SimpleUploadedFile("d.tar.gz", b"garbage"),
    ]
    response = client.post(_url("upload", server), {"bundles": files}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "a.tar.gz → HIS应用服务器" in text
    assert "b.tar.gz → lis-db" in text
    assert "c.tar.gz：找不到与主机 nobody 对应的测评对象" in text
    assert "d.tar.gz：不是有效的采集包" in text
    assert sorted(CollectedBundle.objects.values_list("obj__name", flat=True)) == ["HIS应用服务器", "lis-db"]
    page = client.get(_url("proposals", server)).content.decode()
    assert "L3-CES1-01" in page and "判定依据" in page and "PASS_MAX_DAYS" in page
    # one person's result on the page: its row cannot be selected, and bulk accept leaves it alone
    record = ResultRecord.objects.get(obj=server, unit_id="L3-CES1-02")
    assessment_services.result_record(
        actor=assessor, record=record, value="符合", note="人工", methods=["核查"], version=record.version
    )
    response = client.post(_url("accept", server), {"all": "1"}, follow=True)
    assert response.status_code == 200
    assert "已采纳" in response.content.decode()
    record.refresh_from_db()
    assert (record.result, record.note) == ("符合", "人工")
    assert ResultRecord.objects.get(obj=server, unit_id="L3-CES1-01").result == "符合"
    assert list(Proposal.objects.filter(status="pending").values_list("unit_id", flat=True)) == ["L3-CES1-02"]
    assert ResultRecord.objects.get(obj=other, unit_id="L3-CES1-01").result == "符合"


def test_selected_accept_reject_and_script_download(world_a, server):  # noqa: F811
    from dengbao.collection import services

    assessor = world_a.members["assessor"]
    services.bundle_import(actor=assessor, obj=server, data=make_bundle(ARTEFACTS), filename="b")
    client = verified_client(assessor)
    first, second = Proposal.objects.order_by("unit_id")[:2]
    client.post(_url("accept", server), {"proposal": [str(first.pk)]})
    client.post(_url("reject", server, proposal_id=second.pk))
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses[first.pk] == "accepted" and statuses[second.pk] == "rejected"
    assert list(statuses.values()).count("pending") == len(statuses) - 2
    script = client.get(_url("script", server))
    assert script.status_code == 200 and script.content.startswith(b"#!/bin/sh")
    assert client.get(_url("accept", server)).status_code == 405


def test_client_contact_cannot_upload_or_accept(world_a, server):  # noqa: F811
    client = verified_client(world_a.members["client"])
    data = make_bundle(ARTEFACTS)
    assert client.post(
        _url("upload", server), {"bundles": [SimpleUploadedFile("a.tar.gz", data)]}
    ).status_code in (
        403,
        404,
    )
    assert client.get(_url("proposals", server)).status_code in (403, 404)
    assert CollectedBundle.objects.count() == 0
