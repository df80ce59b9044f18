"""The work queue, "My work" and bulk assignment."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from townhall.cases.paging import CappedPaginator
from townhall.cases.selectors.cases import SORTS, CaseFilters, assignable_staff, case_list, my_work, teams
from townhall.cases.services import case_assign_bulk
from townhall.cases.views.common import error_items, organisation_for, render_page
from townhall.catalogue.models import Service
from townhall.core.errors import Conflict, ValidationFailed
from townhall.core.permissions import can, organisations_of
from townhall.core.roles import Permission
from townhall.core.views.access import staff_required

PAGE_SIZE = 25


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def filters_from(request: HttpRequest) -> CaseFilters:
    get = request.GET
    return CaseFilters(
        service=get.get("service", "")[:100],
        state=get.get("state", "")[:64],
        team=get.get("team", "")[:100],
        assignee=get.get("assignee", "")[:150],
        overdue=get.get("overdue") == "1",
        received_from=_date(get.get("received_from", "")),
        received_to=_date(get.get("received_to", "")),
        q=get.get("q", "")[:100],
        sort=get.get("sort", "newest") if get.get("sort") in SORTS else "newest",
    )


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    organisations = [o for o in organisations_of(request.user) if can(request.user, o, Permission.VIEW_CASES)]
    if len(organisations) == 1:
        return redirect("cases:queue", organisation_slug=organisations[0].slug)
    return render(request, "cases/index.html", {"organisations": organisations})


def _page_links(request: HttpRequest, page: object) -> dict[str, object]:
    params = request.GET.copy()
    links: dict[str, object] = {}
    if page.has_previous():  # type: ignore[attr-defined]
        params["page"] = page.previous_page_number()  # type: ignore[attr-defined]
        links["previous"] = {"href": "?" + params.urlencode()}
    if page.has_next():  # type: ignore[attr-defined]
        params["page"] = page.next_page_number()  # type: ignore[attr-defined]
        links["next"] = {"href": "?" + params.urlencode()}
    return links


@staff_required
@require_GET
def queue(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    organisation = organisation_for(request, organisation_slug)
    filters = filters_from(request)
    cases = case_list(organisation=organisation, actor=request.user, filters=filters)
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    can_assign = can(request.user, organisation, Permission.ASSIGN_CASES)
    return render_page(
        request,
        "cases/queue.html",
        organisation,
        {
            "title": _("Work queue"),
            "page": page,
            "pagination": _page_links(request, page),
            "filters": filters,
            "services": list(Service.objects.filter(organisation=organisation).order_by("title")),
            "teams": teams(organisation=organisation, actor=request.user),
            "can_assign": can_assign,
            "assignable": assignable_staff(organisation=organisation, actor=request.user) if can_assign else [],
            "sorts": list(SORTS),
            "next_url": request.get_full_path(),
            "show_filters": True,
        },
    )


@staff_required
@require_GET
def mine(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    organisation = organisation_for(request, organisation_slug)
    cases = my_work(organisation=organisation, actor=request.user)
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "cases/queue.html",
        organisation,
        {
            "title": _("My work"),
            "page": page,
            "pagination": _page_links(request, page),
            "filters": CaseFilters(),
            "can_assign": False,
            "show_filters": False,
        },
    )


@staff_required
@require_POST
def bulk_assign(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    organisation = organisation_for(request, organisation_slug)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    back = back or reverse("cases:queue", kwargs={"organisation_slug": organisation.slug})
    username = request.POST.get("assignee", "")
    assignee = get_user_model().objects.filter(username=username).first() if username else None
    try:
        if username and assignee is None:
            raise ValidationFailed("Choose who to assign the cases to", code="assignee_not_found")
        done = case_assign_bulk(
            organisation=organisation,
            references=request.POST.getlist("reference"),
            assignee=assignee,
            actor=request.user,
        )
    except (ValidationFailed, Conflict) as error:
        for item in error_items(error, "#cases"):
            messages.error(request, item["text"])
        separator = "&" if "?" in back else "?"
        return HttpResponseRedirect(back + separator + urlencode({"assign_error": error.code}))
    who = assignee.get_username() if assignee is not None else _("nobody")
    messages.success(request, _("%(count)s case(s) assigned to %(who)s") % {"count": len(done), "who": who})
    return HttpResponseRedirect(back)
