"""Schemas every API router shares: the problem document that each refusal is."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ProblemOut(Schema):
    """An RFC 9457 problem, served as application/problem+json; ``code`` is stable."""

    type: str
    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, Any]]
