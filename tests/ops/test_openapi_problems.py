"""The OpenAPI schema documents each operation's problems: their status codes, media type and schema.

Clients generate their error handling from the schema, and schemathesis (test_api_schemathesis.py) refuses
any status code or media type the schema does not document, so these must be there for every operation.
"""

from __future__ import annotations

from typing import Any

import pytest

from townhall.api import api

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
OPERATIONS = [
    (method, path, operation)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
    if method in {"get", "post", "put", "patch", "delete"}
]


def _problem(response: dict[str, Any]) -> dict[str, Any]:
    name = response["$ref"].removeprefix("#/components/responses/")
    return SCHEMA["components"]["responses"][name]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_operation_documents_its_problems(method: str, path: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    expected = {"400", "503"}
    security = operation.get("security") or []
    if security and {} not in security:
        expected.add("401")
    if any("ApiKeyAuth" in requirement for requirement in security) and {} not in security:
        expected.add("403")
    parameters = operation.get("parameters") or []
    if any(p["in"] == "path" for p in parameters):
        expected.add("404")
    if parameters or "requestBody" in operation:
        expected.add("422")
    if "requestBody" in operation:
        expected.add("413")
        if "application/json" in operation["requestBody"]["content"]:
            expected.add("415")
    assert expected <= set(responses), sorted(expected - set(responses))
    for status, response in responses.items():
        if int(status) >= 400:
            assert _problem(response)["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
            }


def test_the_problem_schema_has_the_rfc_9457_members_and_a_stable_code() -> None:
    problem = SCHEMA["components"]["schemas"]["ProblemOut"]
    assert set(problem["required"]) == {"type", "status", "code", "title", "detail", "errors"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/v1/cases/{reference}/transitions", "409"),
        ("post", "/api/v1/submissions", "404"),
        ("post", "/api/v1/sharing/requests", "409"),
        ("post", "/api/v1/portfolio/programmes", "409"),
        ("post", "/api/v1/portfolio/programmes/{slug}/scenarios", "409"),
    ],
)
def test_operations_document_the_conflicts_their_services_raise(method: str, path: str, status: str) -> None:
    assert status in SCHEMA["paths"][path][method]["responses"]


LENIENT = {"/api/v1/notifications/notify-callback", "/api/v1/notifications/inbound-mail"}  # outside systems' bodies


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_json_body_refuses_fields_it_does_not_know(method: str, path: str, operation: dict[str, Any]) -> None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content or path in LENIENT:
        return
    name = content["application/json"]["schema"]["$ref"].removeprefix("#/components/schemas/")
    assert SCHEMA["components"]["schemas"][name].get("additionalProperties") is False, name
