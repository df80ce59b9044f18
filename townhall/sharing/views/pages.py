"""Sharing pages: the public register, agreements for staff, and the answer to a subject access request."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.core.errors import NotFound, TownhallError
from townhall.core.models import Organisation
from townhall.core.permissions import can
from townhall.core.roles import Permission
from townhall.core.views import staff_required
from townhall.sharing import policy
from townhall.sharing.models import RightsRequest, RightsRequestKind
from townhall.sharing.purposes import ARTICLE_6_BASES, ARTICLE_9_CONDITIONS, PURPOSES
from townhall.sharing.selectors import agreement_get, agreement_list, agreement_register
from townhall.sharing.services.access import agreement_terms
from townhall.sharing.services.agreements import agreement_approve, agreement_suspend

WORDS = {"purposes": PURPOSES, "article_6": ARTICLE_6_BASES, "article_9": ARTICLE_9_CONDITIONS}


def register(request: HttpRequest) -> HttpResponse:
    """The public register of agreements in force. No personal data is in an agreement."""
    return render(request, "sharing/register.html", {"agreements": agreement_register(), **WORDS})


def organisation_or_404(request: HttpRequest, slug: str, permission: Permission) -> Organisation:
    """The organisation in the address; one where the user lacks the permission does not exist for them."""
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None or not can(request.user, organisation, permission):
        raise Http404("No such organisation")
    return organisation


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    return organisation_or_404(request, slug, Permission.MANAGE_AGREEMENTS)


@staff_required
def agreements(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    organisation = _organisation(request, organisation_slug)
    items = agreement_list(organisation=organisation, actor=request.user)
    return render(request, "sharing/agreements.html", {"organisation": organisation, "agreements": items, **WORDS})


def _agreement_page(
    request: HttpRequest,
    organisation: Organisation,
    ref: str,
    *,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        agreement = agreement_get(organisation=organisation, actor=request.user, agreement_ref=ref)
    except NotFound as error:
        raise Http404(error.detail) from None
    cedar, _meanings = policy.compile_agreement(agreement_terms(agreement))
    return render(
        request,
        "sharing/agreement.html",
        {"organisation": organisation, "agreement": agreement, "cedar": cedar, "errors": errors or [], **WORDS},
        status=status,
    )


@staff_required
def agreement(request: HttpRequest, organisation_slug: str, ref: str) -> HttpResponse:
    return _agreement_page(request, _organisation(request, organisation_slug), ref)


@staff_required
@require_POST
def agreement_act(request: HttpRequest, organisation_slug: str, ref: str, act: str) -> HttpResponse:
    organisation = _organisation(request, organisation_slug)
    try:
        found = agreement_get(organisation=organisation, actor=request.user, agreement_ref=ref)
        if act == "approve":
            agreement_approve(actor=request.user, agreement=found, organisation=organisation)
        elif act == "suspend":
            agreement_suspend(
                actor=request.user, agreement=found, organisation=organisation, reason=request.POST.get("reason", "")
            )
        else:
            raise Http404("No such action")
    except NotFound as error:
        raise Http404(error.detail) from None
    except TownhallError as error:
        errors = [{"text": error.detail, "href": "#reason"}]
        return _agreement_page(request, organisation, ref, errors=errors, status=error.status)
    return HttpResponseRedirect(
        reverse("sharing:agreement", kwargs={"organisation_slug": organisation.slug, "ref": ref})
    )


def _subject_access(request: HttpRequest, organisation_slug: str, reference: str) -> RightsRequest:
    organisation = _organisation(request, organisation_slug)
    found = RightsRequest.objects.filter(
        organisation=organisation, reference=reference, kind=RightsRequestKind.SUBJECT_ACCESS, bundle__isnull=False
    ).first()
    if found is None:
        raise Http404(_("No such request"))
    return found


@staff_required
def subject_access_bundle(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    """The machine-readable answer, as JSON."""
    found = _subject_access(request, organisation_slug, reference)
    response = HttpResponse(json.dumps(found.bundle, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{found.reference}.json"'
    return response


@staff_required
def subject_access_document(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    """The readable answer, as a page a resident can read or print."""
    found = _subject_access(request, organisation_slug, reference)
    return render(request, "sharing/subject_access.html", {"request_record": found, "bundle": found.bundle})
