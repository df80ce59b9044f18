"""The caseworker's referral page: refer a case to a partner's service under an agreement in force."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from townhall.cases.selectors import case_get
from townhall.core.errors import NotFound, TownhallError
from townhall.core.roles import Permission
from townhall.core.views import staff_required
from townhall.sharing.purposes import PURPOSES
from townhall.sharing.selectors import referral_options, referrals_for_case
from townhall.sharing.services.referrals import referral_create
from townhall.sharing.views.pages import organisation_or_404


@staff_required
def refer(request: HttpRequest, organisation_slug: str, reference: str) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_slug, Permission.WORK_CASES)
    try:
        case = case_get(organisation=organisation, actor=request.user, reference=reference)
    except NotFound as error:
        raise Http404(error.detail) from None
    options = referral_options(organisation=organisation, actor=request.user, case=case)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        choice = request.POST.get("option", "")
        chosen = next((o for o in options if o.key == choice), None)
        if chosen is None:
            errors = [{"text": _("Choose where to refer this case"), "href": "#option"}]
        else:
            try:
                referral = referral_create(
                    actor=request.user,
                    case=case,
                    agreement_ref=chosen.agreement_ref,
                    purpose=chosen.purpose,
                    partner=chosen.partner,
                    partner_service=chosen.service_slug,
                    request_id=request.POST.get("request_id", ""),
                )
            except NotFound as error:
                errors = [{"text": error.detail, "href": "#option"}]
            except TownhallError as error:
                errors = [{"text": error.detail, "href": "#option"}]
            else:
                url = reverse("sharing:refer", kwargs={"organisation_slug": organisation.slug, "reference": reference})
                return HttpResponseRedirect(f"{url}?made={referral.target_case.reference}")
    return render(
        request,
        "sharing/refer.html",
        {
            "organisation": organisation,
            "case": case,
            "options": options,
            "referrals": referrals_for_case(organisation=organisation, actor=request.user, case=case),
            "purposes": PURPOSES,
            "errors": errors,
            "made": request.GET.get("made", ""),
            "request_id": secrets.token_urlsafe(12),  # a double-clicked button is refused as a replay
        },
        status=422 if errors else 200,
    )
