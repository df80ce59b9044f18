"""Schemas every API router shares: the problem document that each refusal is."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from townhall.core.errors import MAX_PROBLEM_ERRORS


class ProblemOut(Schema):
    """An RFC 9457 problem, served as application/problem+json; ``code`` is stable."""

    type: str
    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, Any]] = Field(
        description=f"What is wrong with each part of the input: the first {MAX_PROBLEM_ERRORS} at most"
    )
    errors_omitted: int = Field(  # type: ignore[assignment]  # absent, not null, when nothing was left out
        None,
        ge=1,
        description=f"Present only when there were more than {MAX_PROBLEM_ERRORS} errors: how many were left out",
    )


class StrictSchema(Schema):
    """A request body of the platform's own API: a field it does not know is refused (``extra_forbidden``).

    A mistyped field name must not be dropped in silence: ``{"asignee": "sam"}`` would otherwise be an
    assignment to nobody. Bodies that outside systems send (GOV.UK Notify's callback, the inbound-mail
    webhook) stay lenient.
    """

    model_config = ConfigDict(extra="forbid")
