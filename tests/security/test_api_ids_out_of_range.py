"""An object id past 64 bits in an API request body is a 400 naming the field, not a 500.

Found by schemathesis (test_api_schemathesis.py): ``record_id: 2**64`` in a batch of results went on
to ``pk__in=[…]`` and crashed the query (SQLite: OverflowError; PostgreSQL: bigint out of range).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dengbao.accounts.tokens import token_create
from dengbao.assessments import services
from dengbao.assessments.models import ResultRecord
from dengbao.engagements.service_models import Ticket
from tests.assessments.helpers import HARM3, graded
from tests.engagements import factories

HUGE = 2**64
BASE = "/api/projects/proj-a"


def _client(user) -> Client:
    _, raw = token_create(actor=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def assessment(world_a):
    his = graded(world_a, "HIS", HARM3, HARM3)
    made = services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[his]
    )
    services.object_add(actor=world_a.members["assessor"], assessment=made, kind="服务器/操作系统", name="DB")
    return made


def test_a_result_with_a_record_id_past_64_bits_is_refused(world_a, assessment):
    record = ResultRecord.objects.filter(obj__assessment=assessment).first()
    client = _client(world_a.members["assessor"])
    changes = [
        {"record_id": record.pk, "version": record.version, "result": "符合"},
        {"record_id": HUGE, "version": 1, "result": "符合"},
    ]
    answer = _post(client, f"{BASE}/assessments/{assessment.pk}/results", {"changes": changes})
    assert answer.status_code == 400, answer.content
    assert "changes.1.record_id" in answer.json()["detail"]
    record.refresh_from_db()
    assert record.result == ""  # all or nothing: the valid change was not applied either


def test_a_ticket_naming_a_system_id_past_64_bits_is_refused(world_a):
    factories.contract(world_a)
    body = {"title": "HIS 故障", "kind": "fault", "priority": "P1", "system_ids": [HUGE]}
    answer = _post(_client(world_a.members["client"]), f"{BASE}/tickets", body)
    assert answer.status_code == 400, answer.content
    assert "system_ids" in answer.json()["detail"]
    assert not Ticket.objects.exists()
