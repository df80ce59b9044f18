"""The problems each operation can answer, written into the OpenAPI schema from what the operation takes.

Every refusal is a ``ProblemOut`` served as application/problem+json (townhall/api.py). An operation answers

- 400 ``malformed_json`` if it takes a JSON body (townhall/api_parser.py), and ``nul_character`` anywhere;
- 401 ``unauthenticated`` if it needs a key or token, and 403 ``permission_denied`` if it needs an API key,
  whose scopes may not grant what it does;
- 413 ``request_too_large`` (or ``too_large``) if it takes a body, and 415 ``unsupported_media_type`` if that
  body is JSON and is sent as another media type (townhall/api_parser.py);
- 404 if it names something in its path (another organisation's rows are not found, never forbidden);
- 422 ``validation_failed`` (or a more precise code) if it takes any input;
- 429 ``rate_limited`` unless it is exempt from rate limits, and 503 ``service_unavailable`` always.

An operation that can answer another problem declares it in its ``response`` (``{409: ProblemOut}``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from townhall.core.views.errors import PROBLEM

REF = {"$ref": "#/components/schemas/ProblemOut"}
DESCRIPTIONS = {
    400: "The request is malformed: its body is not a JSON object of text, or it holds a NUL character",
    401: "No valid API key (or token) was sent",
    403: "The API key's scopes do not allow this",
    404: "Not found, or not this organisation's",
    409: "This conflicts with the current state",
    413: "The request or its upload is too large",
    415: "The body is not sent as JSON (Content-Type: application/json)",
    422: "The input is not valid",
    429: "Too many requests: try again after Retry-After seconds",
    503: "The service is unavailable: try again after Retry-After seconds",
}
METHODS = {"get", "put", "post", "patch", "delete"}


def _statuses(path: str, operation: dict[str, Any], exempt: set[str]) -> set[int]:
    statuses = {400, 503}
    security = operation.get("security") or []
    if security and {} not in security:
        statuses.add(401)
        if any("ApiKeyAuth" in requirement for requirement in security):
            statuses.add(403)
    parameters = operation.get("parameters") or []
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(413)
        if "application/json" in operation["requestBody"].get("content", {}):
            statuses.add(415)
    if path not in exempt:
        statuses.add(429)
    return statuses


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds each operation's problem responses, and serves every 4xx and 5xx as a problem document.

    Each problem response is one of ``components.responses`` (``Problem404`` …), shared by the operations.
    """
    exempt = set(getattr(settings, "RATELIMIT_EXEMPT_PATHS", ()))
    shared: dict[str, Any] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = {str(status): response for status, response in operation.get("responses", {}).items()}
            for status in _statuses(path, operation, exempt) | {int(s) for s in responses if int(s) >= 400}:
                name = f"Problem{status}"
                shared[name] = {
                    "description": DESCRIPTIONS.get(status, "A problem"),
                    "content": {PROBLEM: {"schema": REF}},
                }
                responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.setdefault("components", {})
    components["responses"] = {**components.get("responses", {}), **dict(sorted(shared.items()))}
    return schema
