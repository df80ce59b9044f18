"""Errors every layer raises. Each carries a stable code; adapters turn them into pages or JSON problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one part of the input. ``path`` names the field (``pages[2].questions[0].id``)."""

    code: str
    message: str
    path: str = ""
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path:
            data["path"] = self.path
        if self.line is not None:
            data["line"] = self.line
        return data


class TownhallError(Exception):
    """Base of every expected failure. ``code`` is stable: clients and tests rely on it."""

    status = 400
    code = "bad_request"
    title = "The request could not be processed"

    def __init__(self, detail: str = "", *, code: str | None = None, errors: list[FieldError] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.errors: list[FieldError] = list(errors or [])


class ValidationFailed(TownhallError):
    status = 422
    code = "validation_failed"
    title = "The input is not valid"


class NotFound(TownhallError):
    status = 404
    code = "not_found"
    title = "Not found"


class PermissionDenied(TownhallError):
    status = 403
    code = "permission_denied"
    title = "You do not have permission to do that"


class Conflict(TownhallError):
    status = 409
    code = "conflict"
    title = "That conflicts with the current state"


class TooLarge(TownhallError):
    status = 413
    code = "too_large"
    title = "The upload is too large"


MAX_PROBLEM_ERRORS = 100


@dataclass
class Problem:
    """An RFC 9457 problem document.

    Its ``errors`` list holds at most the first ``MAX_PROBLEM_ERRORS`` (100) entries, so a request with
    thousands of invalid fields gets a bounded answer. When there were more, the extension member
    ``errors_omitted`` says how many were left out; it is absent otherwise.
    """

    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_error(cls, error: TownhallError) -> Problem:
        return cls(
            status=error.status,
            code=error.code,
            title=error.title,
            detail=error.detail,
            errors=[e.as_dict() for e in error.errors],
        )

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": f"https://townhall.dev/problems/{self.code}",
            "status": self.status,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "errors": self.errors[:MAX_PROBLEM_ERRORS],
        }
        if len(self.errors) > MAX_PROBLEM_ERRORS:
            document["errors_omitted"] = len(self.errors) - MAX_PROBLEM_ERRORS
        return document
