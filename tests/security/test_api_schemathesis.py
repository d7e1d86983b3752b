"""schemathesis against the REST API's own OpenAPI document: no generated request may get a 5xx.

The schema is taken from the app (``api.get_openapi_schema()``), and every request goes through the
real Django stack in this process (WSGI, middleware, token authentication, the views) against the
demo project, with the API token of its project manager. For each operation schemathesis generates
requests that follow the schema (positive) and requests that break it (negative); in three cases
out of four the path parameters are replaced by real ones (the demo project, an assessment, a
finding …), so the generated query and body reach the code behind the first lookup, and in the
rest they stay as generated (huge integers, odd slugs). Bounded: ``EXAMPLES`` per operation and
mode, about a minute in all. A 5xx is a bug: fix the view (a validation error instead) and add a
focused test next to this one.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from dengbao.accounts.models import User
from dengbao.accounts.tokens import token_create

EXAMPLES = 8


@pytest.fixture
def wsgi_app(settings):
    """The real WSGI handler, kept inside the test's transaction: like Django's test client, it must
    not close the connection at the start and end of each request."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _real_path_values() -> dict[str, object]:
    """Path parameters that name objects of the demo project, so requests get past the lookup."""
    from dengbao.accounts.models import Project

    project = Project.objects.get(slug="demo")
    assessment = project.assessments.order_by("pk").first()
    record = assessment.rounds.order_by("number").first().results.first()
    values: dict[str, object] = {
        "project": project.slug,
        "assessment_id": assessment.pk,
        "number": 1,
        "unit_id": record.unit_id,
    }
    from dengbao.engagements.models import Deliverable

    related = {
        "finding_id": project.findings.all(),
        "scan_id": project.scans.all(),
        "deliverable_id": Deliverable.objects.filter(contract__project=project),
        "document_id": project.documents.all(),
    }
    for name, rows in related.items():
        first = rows.order_by("pk").first()
        if first is not None:  # the demo has no scan or document: those stay generated
            values[name] = first.pk
    return values


def _operations(app):
    from dengbao.api import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
    schema.app = app
    return [result.ok() for result in schema.get_all_operations()]


def test_no_generated_request_gets_a_server_error(demo_db, wsgi_app):
    _, raw = token_create(actor=User.objects.get(username="pm"), name="schemathesis")
    auth = {"Authorization": f"Bearer {raw}"}
    real = _real_path_values()
    operations = _operations(wsgi_app)
    assert len(operations) >= 30, "the API lost operations, or the schema failed to load"

    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
            )
            @given(case=operation.as_strategy(generation_mode=mode), use_real=st.integers(0, 3))
            def run(case, use_real):
                if use_real and case.path_parameters:
                    for name in case.path_parameters:
                        if name in real:
                            case.path_parameters[name] = real[name]
                response = case.call_and_validate(headers=auth, checks=[not_a_server_error])
                statuses.setdefault(operation.label, set()).add(response.status_code)

            try:
                run()
            except Exception as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    # Not a vacuous run: the token was accepted, and every read whose path names only objects the demo
    # has answered a success at least once (the generated requests got past the lookups).
    reads = [
        op.label
        for op in operations
        if op.method.upper() == "GET" and all(p.name in real for p in op.path_parameters)
    ]
    missed = [label for label in reads if not any(200 <= c < 300 for c in statuses.get(label, ()))]
    assert len(reads) >= 20 and not missed, missed
