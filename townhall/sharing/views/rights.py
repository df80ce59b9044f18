"""Residents' rights in the back office: record a request, gather or pass it on, complete a partner's notice."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from townhall.cases.models import Channel
from townhall.core.errors import NotFound, TownhallError
from townhall.core.roles import Permission
from townhall.core.views import staff_required
from townhall.sharing.models import RightsRequest, RightsRequestKind, RightsRequestStatus
from townhall.sharing.selectors import rights_notices_received, rights_requests
from townhall.sharing.services.rights import (
    recipient_notice_complete,
    rights_request_pass_on,
    rights_request_record,
    subject_access_gather,
    subject_access_send,
)
from townhall.sharing.views.pages import organisation_or_404


def _page(
    request: HttpRequest, organisation_slug: str, *, errors: list[dict[str, str]] | None = None, status: int = 200
) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_slug, Permission.MANAGE_AGREEMENTS)
    return render(
        request,
        "sharing/rights.html",
        {
            "organisation": organisation,
            "requests": rights_requests(organisation=organisation, actor=request.user),
            "notices": rights_notices_received(organisation=organisation, actor=request.user),
            "kinds": RightsRequestKind.choices,
            "channels": [(value, label) for value, label in Channel.choices if value != Channel.REFERRAL],
            "errors": errors or [],
            "form": request.POST if errors else {},
        },
        status=status,
    )


@staff_required
def index(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    if request.method != "POST":
        return _page(request, organisation_slug)
    organisation = organisation_or_404(request, organisation_slug, Permission.MANAGE_AGREEMENTS)
    try:
        rights_request_record(
            actor=request.user,
            organisation=organisation,
            kind=request.POST.get("kind", ""),
            resident_email=request.POST.get("resident_email", ""),
            resident_name=request.POST.get("resident_name", ""),
            case_references=request.POST.get("case_references", "").replace(",", " ").split(),
            details=request.POST.get("details", ""),
            channel=request.POST.get("channel") or Channel.ONLINE,
        )
    except TownhallError as error:
        items = error.errors or []
        errors = [{"text": e.message, "href": f"#{e.path or 'kind'}"} for e in items] or [
            {"text": error.detail, "href": "#kind"}
        ]
        return _page(request, organisation_slug, errors=errors, status=error.status)
    return HttpResponseRedirect(reverse("sharing:rights", kwargs={"organisation_slug": organisation.slug}))


@staff_required
def act(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    """The next step: gather a subject access request, then record it sent; or pass an erasure or rectification on."""
    if request.method != "POST":
        raise Http404("Not here")
    organisation = organisation_or_404(request, organisation_slug, Permission.MANAGE_AGREEMENTS)
    found = RightsRequest.objects.filter(organisation=organisation, reference=reference).first()
    if found is None:
        raise Http404("No such request")
    try:
        if found.kind == RightsRequestKind.SUBJECT_ACCESS and found.status == RightsRequestStatus.GATHERED:
            subject_access_send(actor=request.user, request=found)
        elif found.kind == RightsRequestKind.SUBJECT_ACCESS:
            subject_access_gather(actor=request.user, request=found)
        else:
            rights_request_pass_on(actor=request.user, request=found)
    except TownhallError as error:
        return _page(
            request, organisation_slug, errors=[{"text": error.detail, "href": "#requests"}], status=error.status
        )
    return HttpResponseRedirect(reverse("sharing:rights", kwargs={"organisation_slug": organisation.slug}))


@staff_required
def complete(request: HttpRequest, organisation_slug: str, notice_id: int) -> HttpResponse:
    """A recipient records that it has erased or corrected its copy."""
    if request.method != "POST":
        raise Http404("Not here")
    organisation = organisation_or_404(request, organisation_slug, Permission.MANAGE_AGREEMENTS)
    try:
        recipient_notice_complete(
            actor=request.user, organisation=organisation, notice_id=notice_id, outcome=request.POST.get("outcome", "")
        )
    except NotFound:
        raise Http404("No such request") from None
    except TownhallError as error:
        return _page(
            request,
            organisation_slug,
            errors=[{"text": error.detail, "href": f"#outcome-{notice_id}"}],
            status=error.status,
        )
    return HttpResponseRedirect(reverse("sharing:rights", kwargs={"organisation_slug": organisation.slug}))
