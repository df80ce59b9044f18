"""The platform's JSON API at /api/v1/: one router per app, errors as JSON problems with stable codes."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from townhall.api_openapi import document_problems
from townhall.api_parser import StrictJsonParser
from townhall.core.api_schemas import ProblemOut
from townhall.core.errors import FieldError, Problem, TownhallError
from townhall.core.views.errors import problem_response as problem_document


class TownhallAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "ProblemOut", ProblemOut.model_json_schema()
        )
        return document_problems(schema)


api = TownhallAPI(
    title="Townhall API",
    version="1",
    description=(
        "The open API of the Townhall platform for local public services. "
        "Authenticate with an organisation's API key as a bearer token. "
        "Errors are RFC 9457 problem documents whose `code` is stable. A problem's `errors` lists the first "
        "100 errors at most; when there were more, `errors_omitted` says how many were left out."
    ),
    urls_namespace="api",
    parser=StrictJsonParser(),
)


def problem_response(request: HttpRequest, problem: Problem) -> HttpResponse:
    """Every refusal is an RFC 9457 document served as application/problem+json."""
    return problem_document(problem)


@api.exception_handler(TownhallError)
def on_townhall_error(request: HttpRequest, exc: TownhallError) -> HttpResponse:
    return problem_response(request, Problem.from_error(exc))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        FieldError(
            code=str(e.get("type", "invalid")),
            message=str(e.get("msg", "Invalid value")),
            path=".".join(str(p) for p in e.get("loc", ())),
        ).as_dict()
        for e in exc.errors
    ]
    return problem_response(
        request,
        Problem(
            422, "validation_failed", "The input is not valid", "The request body or parameters are not valid", errors
        ),
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request, Problem(401, "unauthenticated", "Authentication required", "Send a valid API key as a bearer token")
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, Problem(404, "not_found", "Not found", str(exc) or "Not found"))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, TownhallError):  # django-ninja wraps what the body parser raised in a 400
        return problem_response(request, Problem.from_error(exc.__cause__))
    return problem_response(request, Problem(exc.status_code, f"http_{exc.status_code}", str(exc), str(exc)))


def _mount() -> None:
    from townhall.catalogue.api import router as catalogue_router
    from townhall.core.api import router as core_router

    api.add_router("/", core_router)
    api.add_router("/definitions", catalogue_router)

    from townhall.notifications.api import router as notifications_router

    api.add_router("/notifications", notifications_router)

    from townhall.journeys.api import router as journeys_router

    api.add_router("/submissions", journeys_router)

    from townhall.sharing.api import router as sharing_router

    api.add_router("/sharing", sharing_router)

    from townhall.cases.api import messages_router
    from townhall.cases.api import router as cases_router

    api.add_router("/cases", cases_router)
    api.add_router("/notifications", messages_router)  # /notifications/cases/{case_reference}

    from townhall.opendata.api import router as opendata_router

    api.add_router("/open-data", opendata_router)
    api.add_router("/portfolio", "townhall.portfolio.api.router")


_mount()
