"""Schemas every API router shares: the problem document that each refusal is."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class ProblemOut(Schema):
    """An RFC 9457 problem, served as application/problem+json; ``code`` is stable."""

    type: str
    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, Any]]


class StrictSchema(Schema):
    """A request body of the platform's own API: a field it does not know is refused (``extra_forbidden``).

    A mistyped field name must not be dropped in silence: ``{"asignee": "sam"}`` would otherwise be an
    assignment to nobody. Bodies that outside systems send (GOV.UK Notify's callback, the inbound-mail
    webhook) stay lenient.
    """

    model_config = ConfigDict(extra="forbid")
