"""One case: answers, documents, timeline, notes, decisions, assignment and links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from townhall.cases.selectors.cases import case_get
from townhall.cases.selectors.detail import case_page
from townhall.cases.services import (
    case_assign,
    case_email_resident,
    case_link,
    case_note_add,
    case_transition,
    document_open,
)
from townhall.cases.views.common import error_items, organisation_for, render_page
from townhall.core.errors import Conflict, NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.views.access import staff_required


def _url(organisation: Organisation, reference: str) -> str:
    return reverse("cases:case", kwargs={"organisation_slug": organisation.slug, "reference": reference})


def _show(
    request: HttpRequest,
    organisation: Organisation,
    reference: str,
    *,
    errors: list[dict[str, str]] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = case_page(organisation=organisation, actor=request.user, reference=reference)
    return render_page(
        request,
        "cases/case.html",
        organisation,
        {
            "page": page,
            "case": page.case,
            "errors": errors or [],
            "form": form or {},
            "field_errors": {e["href"].lstrip("#"): e["text"] for e in (errors or [])},
            "breadcrumbs": [
                {
                    "text": _("Work queue"),
                    "href": reverse("cases:queue", kwargs={"organisation_slug": organisation.slug}),
                },
                {"text": page.case.reference},
            ],
        },
        status=status,
    )


@staff_required
@require_GET
def detail(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    return _show(request, organisation_for(request, organisation_slug), reference)


def _act(
    request: HttpRequest,
    organisation_slug: str,
    reference: str,
    action: Callable[[Any], object],
    success: str,
    default_field: str,
) -> HttpResponse:
    """Run one service on the case; on a problem with the input show the page again with its errors."""
    organisation = organisation_for(request, organisation_slug)
    case = case_get(organisation=organisation, actor=request.user, reference=reference)
    try:
        action(case)
    except (ValidationFailed, Conflict) as error:
        items = error_items(error, f"#{default_field}")
        return _show(request, organisation, case.reference, errors=items, form=request.POST.dict(), status=error.status)
    messages.success(request, success)
    return HttpResponseRedirect(_url(organisation, case.reference))


@staff_required
@require_POST
def decide(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    transition = request.POST.get("transition", "")
    if not transition:
        organisation = organisation_for(request, organisation_slug)
        error = ValidationFailed("Choose a decision", code="transition_required")
        return _show(
            request,
            organisation,
            reference,
            errors=[{"text": error.detail, "href": "#transition"}],
            form=request.POST.dict(),
            status=422,
        )
    return _act(
        request,
        organisation_slug,
        reference,
        lambda case: case_transition(
            case=case, transition_id=transition, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("Decision recorded"),
        "transition",
    )


@staff_required
@require_POST
def note(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    return _act(
        request,
        organisation_slug,
        reference,
        lambda case: case_note_add(case=case, text=request.POST.get("text", ""), actor=request.user),
        _("Note added"),
        "text",
    )


@staff_required
@require_POST
def email_resident(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    return _act(
        request,
        organisation_slug,
        reference,
        lambda case: case_email_resident(
            case=case, subject=request.POST.get("subject", ""), body=request.POST.get("message", ""), actor=request.user
        ),
        _("Email queued to the resident"),
        "subject",
    )


@staff_required
@require_POST
def assign(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    username = request.POST.get("assignee", "")
    assignee = get_user_model().objects.filter(username=username).first() if username else None

    def run(case: Any) -> object:
        if username and assignee is None:
            raise ValidationFailed("Choose who to assign the case to", code="assignee_not_found")
        return case_assign(case=case, assignee=assignee, actor=request.user)

    return _act(request, organisation_slug, reference, run, _("Case assigned"), "assignee")


@staff_required
@require_POST
def link(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    other = request.POST.get("other_reference", "")

    def run(case: Any) -> object:
        try:
            return case_link(case=case, other_reference=other, actor=request.user)
        except NotFound as missing:  # the other case: a problem with the input, not a missing page
            raise ValidationFailed(missing.detail, code=missing.code, errors=[]) from missing

    return _act(request, organisation_slug, reference, run, _("Cases linked"), "other_reference")


@staff_required
@require_GET
def document(request: HttpRequest, organisation_slug: str, reference: str, document_id: int) -> HttpResponse:
    organisation = organisation_for(request, organisation_slug)
    case = case_get(organisation=organisation, actor=request.user, reference=reference)
    found = document_open(case=case, document_id=document_id, actor=request.user)
    response = FileResponse(
        found.file.open("rb"), content_type=found.content_type, as_attachment=True, filename=found.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]
