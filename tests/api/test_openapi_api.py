"""The OpenAPI document describes the new routes, including the bodies their views read themselves."""

from __future__ import annotations

import json


def test_openapi_lists_the_routes_and_their_bodies(world_a, login):
    schema = json.loads(login(world_a.members["assessor"]).get("/api/openapi.json").content)
    paths = schema["paths"]
    for path in (
        "/api/projects/{project}/assessments",
        "/api/projects/{project}/assessments/{assessment_id}/rounds/{number}/score",
        "/api/projects/{project}/findings/{finding_id}/transitions",
        "/api/projects/{project}/scan-imports",
        "/api/projects/{project}/deliverables/{deliverable_id}/acceptance",
        "/api/projects/{project}/document-jobs/{job_id}",
    ):
        assert path in paths, path
    results = paths["/api/projects/{project}/assessments/{assessment_id}/results"]["post"]
    body = results["requestBody"]["content"]["application/json"]["schema"]
    change = body["properties"]["changes"]["items"]
    assert {"record_id", "version"} <= set(change["required"])
    assert "$defs" not in json.dumps(body)
    upload = paths["/api/projects/{project}/scan-imports"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert set(results["responses"]) >= {"200", "400", "409"}
