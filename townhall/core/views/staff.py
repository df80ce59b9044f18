"""The back office's own pages: staff home, an organisation's members and API keys, new organisations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from townhall.core.errors import TownhallError
from townhall.core.forms import (
    ApiKeyCreateForm,
    MemberGrantForm,
    MemberRevokeForm,
    OrganisationCreateForm,
    add_service_error,
    error_list,
    field_error,
)
from townhall.core.models import Organisation
from townhall.core.permissions import can, is_platform_admin
from townhall.core.roles import Permission, Role
from townhall.core.selectors.organisations import (
    api_key_list,
    membership_list,
    organisation_for_staff,
    organisation_list_for_platform,
    staff_find,
    staff_organisations,
)
from townhall.core.services.api_keys import api_key_create, api_key_revoke
from townhall.core.services.organisations import membership_grant, membership_revoke, organisation_create
from townhall.core.views.access import staff_required
from townhall.core.views.rendering import error_page, render_staff

# Back-office areas of other apps, linked from staff home when their URL exists and the role allows:
# (label, url name, permission in the organisation). A URL may take the organisation's slug as
# ``organisation_slug`` or ``organisation``, or nothing. Names not (yet) defined are left out.
STAFF_AREAS: list[tuple[str, str, Permission]] = [
    (gettext_noop("Service definitions"), "catalogue:staff-list", Permission.VIEW_DEFINITIONS),
    (gettext_noop("Cases"), "cases:queue", Permission.VIEW_CASES),
    (gettext_noop("Phone and face-to-face requests"), "journeys:assisted", Permission.ASSISTED_DIGITAL),
    (gettext_noop("Mail to triage"), "notifications:triage", Permission.WORK_CASES),
    (gettext_noop("How messages are sent"), "notifications:sender", Permission.MANAGE_ORGANISATION),
    (gettext_noop("Data-sharing agreements"), "sharing:agreements", Permission.MANAGE_AGREEMENTS),
    (gettext_noop("Residents' rights requests"), "sharing:rights", Permission.MANAGE_AGREEMENTS),
    (gettext_noop("Insight"), "insight:dashboard", Permission.VIEW_INSIGHT),
    (gettext_noop("Open data"), "opendata:staff-datasets", Permission.PUBLISH_DATASETS),
    (gettext_noop("Investment portfolio"), "portfolio:initiatives", Permission.MANAGE_PORTFOLIO),
]


def _area_links(request: HttpRequest, organisation: Organisation) -> list[dict[str, str]]:
    links = []
    for label, name, permission in STAFF_AREAS:
        if not can(request.user, organisation, permission):
            continue
        for kwargs in ({"organisation_slug": organisation.slug}, {"organisation": organisation.slug}, {}):
            try:
                links.append({"text": label, "href": reverse(name, kwargs=kwargs or None)})
                break
            except NoReverseMatch:
                continue
    if can(request.user, organisation, Permission.MANAGE_MEMBERS):
        links.append({"text": gettext_noop("Members"), "href": reverse("core:members", args=[organisation.slug])})
    if can(request.user, organisation, Permission.MANAGE_API_KEYS):
        links.append({"text": gettext_noop("API keys"), "href": reverse("core:api-keys", args=[organisation.slug])})
    return links


def _crumbs(*trail: tuple[str, str | None]) -> list[dict[str, str]]:
    items = [{"text": _("Staff home"), "href": reverse("core:staff-home")}]
    for text, href in trail:
        items.append({"text": text, "href": href} if href else {"text": text})
    return items


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    rows = [
        {"organisation": row.organisation, "roles": row.roles, "links": _area_links(request, row.organisation)}
        for row in staff_organisations(actor=request.user)
    ]
    platform = organisation_list_for_platform(actor=request.user) if is_platform_admin(request.user) else None
    return render_staff(
        request, "core/staff_home.html", {"rows": rows, "platform_admin": platform is not None, "platform": platform}
    )


@staff_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        organisation = organisation_for_staff(slug=slug, actor=request.user, permission=Permission.MANAGE_MEMBERS)
    except TownhallError as error:
        return error_page(request, error)
    form = MemberGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_find(organisation=organisation, actor=request.user, identifier=form.cleaned_data["identifier"])
            membership_grant(
                actor=request.user,
                organisation=organisation,
                user=user,
                role=Role(form.cleaned_data["role"]),
                team=form.cleaned_data["team"],
            )
        except TownhallError as error:
            add_service_error(form, error, "identifier")
        else:
            role_label = _(Role(form.cleaned_data["role"]).label).lower()
            messages.success(request, _("%(name)s is now %(role)s") % {"name": user.get_username(), "role": role_label})
            return redirect("core:members", slug=organisation.slug)
    context: dict[str, Any] = {
        "organisation": organisation,
        "memberships": membership_list(organisation=organisation, actor=request.user),
        "form": form,
        "errors": error_list(form),
        "field_error": lambda name: field_error(form, name),
        "roles": [(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN],
        "breadcrumbs": _crumbs((_("Members"), None)),
    }
    return render_staff(request, "core/members.html", context)


@require_POST
@staff_required
def member_revoke(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        organisation = organisation_for_staff(slug=slug, actor=request.user, permission=Permission.MANAGE_MEMBERS)
        form = MemberRevokeForm(request.POST)
        if form.is_valid():
            membership = (
                membership_list(organisation=organisation, actor=request.user)
                .filter(user_id=form.cleaned_data["user_id"], role=form.cleaned_data["role"])
                .first()
            )
            if membership is not None:
                membership_revoke(
                    actor=request.user, organisation=organisation, user=membership.user, role=Role(membership.role)
                )
                messages.success(
                    request, _("Removed the %(role)s role") % {"role": _(Role(membership.role).label).lower()}
                )
    except TownhallError as error:
        return error_page(request, error)
    return redirect("core:members", slug=organisation.slug)


@staff_required
def api_keys(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        organisation = organisation_for_staff(slug=slug, actor=request.user, permission=Permission.MANAGE_API_KEYS)
    except TownhallError as error:
        return error_page(request, error)
    form = ApiKeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = api_key_create(
                actor=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                scopes=[Role(s) for s in form.cleaned_data["scopes"]],
            )
        except TownhallError as error:
            add_service_error(form, error, "scopes")
        else:
            # The secret is shown on this response only: it is never stored or shown again.
            response = render_staff(
                request, "core/api_key_created.html", {"organisation": organisation, "key": key, "secret": secret}
            )
            response["Cache-Control"] = "no-store"
            return response
    context = {
        "organisation": organisation,
        "keys": api_key_list(organisation=organisation, actor=request.user),
        "form": form,
        "errors": error_list(form),
        "field_error": lambda name: field_error(form, name),
        "scopes": [(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN],
        "breadcrumbs": _crumbs((_("API keys"), None)),
    }
    return render_staff(request, "core/api_keys.html", context)


@require_POST
@staff_required
def api_key_revoke_view(request: HttpRequest, slug: str, key_id: int) -> HttpResponse:
    try:
        organisation = organisation_for_staff(slug=slug, actor=request.user, permission=Permission.MANAGE_API_KEYS)
        key = api_key_revoke(actor=request.user, organisation=organisation, key_id=key_id)
    except TownhallError as error:
        return error_page(request, error)
    messages.success(request, _("The key “%(name)s” is revoked") % {"name": key.name})
    return redirect("core:api-keys", slug=organisation.slug)


ORGANISATION_ERROR_FIELDS = {
    "invalid_organisation_code": "code",
    "organisation_code_taken": "code",
    "organisation_slug_taken": "slug",
    "unknown_organisation_kind": "kind",
}


@staff_required
def organisation_new(request: HttpRequest) -> HttpResponse:
    if not is_platform_admin(request.user):
        return render_staff(request, "core/no_access.html", {}, status=403)
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(actor=request.user, **form.cleaned_data)
        except TownhallError as error:
            add_service_error(form, error, ORGANISATION_ERROR_FIELDS.get(error.code))
        else:
            messages.success(request, _("%(name)s is on the platform") % {"name": organisation.name})
            return redirect("core:staff-home")
    context = {
        "form": form,
        "errors": error_list(form),
        "field_error": lambda name: field_error(form, name),
        "kinds": Organisation._meta.get_field("kind").choices,
        "breadcrumbs": _crumbs((_("Add an organisation"), None)),
    }
    return render_staff(request, "core/organisation_new.html", context)
