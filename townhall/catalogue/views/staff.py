"""Back office pages for service designers: list, upload, a version's findings and preview, publish, adopt."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.catalogue import selectors, services
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion
from townhall.catalogue.views.common import breadcrumbs, error_list
from townhall.core.errors import Conflict, NotFound, PermissionDenied, TooLarge, TownhallError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import can, organisations_of
from townhall.core.roles import Permission
from townhall.core.views.access import staff_required
from townhall.core.views.rendering import error_page, render_staff


def _where(request: HttpRequest, permission: Permission) -> list[Organisation]:
    return [o for o in organisations_of(request.user) if can(request.user, o, permission)]


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    """The organisation named in the address; one the user may not view definitions in does not exist."""
    organisation = get_object_or_404(Organisation, slug=slug, is_active=True)
    if not can(request.user, organisation, Permission.VIEW_DEFINITIONS):
        raise NotFound("No such organisation", code="organisation_not_found")
    return organisation


def _version_url(version: DefinitionVersion) -> str:
    return str(
        redirect(
            "catalogue:version",
            organisation_slug=version.organisation.slug,
            service_slug=version.service.slug,
            number=version.number,
        ).url
    )


@staff_required
@require_GET
def definition_index(request: HttpRequest) -> HttpResponse:
    organisations = _where(request, Permission.VIEW_DEFINITIONS)
    if not organisations:
        return error_page(request, PermissionDenied(_("You need the view definitions permission")))
    listing = [
        (
            o,
            selectors.definition_list(organisation=o, actor=request.user),
            can(request.user, o, Permission.EDIT_DEFINITIONS),
        )
        for o in organisations
    ]
    return render_staff(
        request,
        "catalogue/staff/index.html",
        {
            "listing": listing,
            "can_edit": bool(_where(request, Permission.EDIT_DEFINITIONS)),
            "breadcrumbs": [*breadcrumbs()[:1], {"text": _("Service definitions")}],
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def definition_upload(request: HttpRequest) -> HttpResponse:
    organisations = _where(request, Permission.EDIT_DEFINITIONS)
    if not organisations:
        return error_page(request, PermissionDenied(_("You need the edit definitions permission")))
    context: dict[str, object] = {
        "organisations": organisations,
        "errors": [],
        "source": "",
        "chosen": "",
        "error_field": "definition_file",
        "breadcrumbs": breadcrumbs((_("Upload a definition"), None)),
    }
    if request.method == "POST":
        chosen = request.POST.get("organisation", organisations[0].slug if len(organisations) == 1 else "")
        context["chosen"] = chosen
        organisation = next((o for o in organisations if o.slug == chosen), None)
        upload = request.FILES.get("definition_file")
        source = request.POST.get("source", "")
        context["source"] = source
        filename = "pasted definition"
        errors: list[dict[str, str]] = []
        if organisation is None:
            errors.append({"text": _("Select the organisation the definition is for"), "href": "#organisation"})
        if upload is not None:
            filename = upload.name or "definition.yaml"
            data = upload.read()
            try:
                source = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors.append({"text": _("The selected file must be UTF-8 text"), "href": "#definition_file"})
        elif not source.strip():
            errors.append({"text": _("Choose a definition file or paste the definition"), "href": "#definition_file"})
            context["summary"] = errors[-1]["text"]
        if not errors and organisation is not None:
            try:
                version = services.definition_import(
                    actor=request.user, organisation=organisation, source=source, filename=filename
                )
            except (ValidationFailed, TooLarge, Conflict) as error:
                context["error_field"] = "definition_file" if upload is not None else "source"
                errors = error_list(error, f"#{context['error_field']}")
                context["summary"] = error.detail
            except TownhallError as error:
                return error_page(request, error)
            else:
                return redirect(_version_url(version))
        context["errors"] = errors
        return render_staff(request, "catalogue/staff/upload.html", context, status=422)
    return render_staff(request, "catalogue/staff/upload.html", context)


@staff_required
@require_GET
def version_detail(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    try:
        organisation = _organisation(request, organisation_slug)
        service = selectors.service_get(organisation=organisation, actor=request.user, service_slug=service_slug)
        version = selectors.version_get(
            organisation=organisation, actor=request.user, service_slug=service_slug, number=number
        )
    except TownhallError as error:
        return error_page(request, error)
    versions = list(service.versions.order_by("-number"))
    problem = request.session.pop("catalogue_problem", None)
    try:  # the journeys app's walker, where it is installed
        walk_url = reverse(
            "journeys:walk",
            kwargs={"organisation_slug": organisation.slug, "service_slug": service.slug, "number": version.number},
        )
    except NoReverseMatch:
        walk_url = ""
    return render_staff(
        request,
        "catalogue/staff/version.html",
        {
            "version": version,
            "service": service,
            "versions": versions,
            "definition": version.definition(),
            "walk_url": walk_url,
            "has_draft": any(v.status == DefinitionStatus.DRAFT for v in versions),
            "can_edit": can(request.user, organisation, Permission.EDIT_DEFINITIONS),
            "can_publish": can(request.user, organisation, Permission.PUBLISH_DEFINITIONS),
            "finding_errors": [f for f in version.findings if f.get("severity") == "error"],
            "finding_warnings": [f for f in version.findings if f.get("severity") != "error"],
            "problem": problem["title"] if problem else "",
            "errors": problem["items"] if problem else [],
            "breadcrumbs": breadcrumbs((f"{service.title}, {_('version')} {version.number}", None)),
        },
    )


def _act(request: HttpRequest, organisation_slug: str, service_slug: str, number: int, action: str) -> HttpResponse:
    try:
        organisation = _organisation(request, organisation_slug)
        version = selectors.version_get(
            organisation=organisation, actor=request.user, service_slug=service_slug, number=number
        )
        if action == "publish":
            version = services.definition_publish(actor=request.user, organisation=organisation, version=version)
        elif action == "check":
            version = services.definition_check(actor=request.user, organisation=organisation, version=version)
        elif action == "retire":
            version = services.definition_retire(actor=request.user, organisation=organisation, version=version)
        else:
            version = services.definition_new_draft(
                actor=request.user, organisation=organisation, service=version.service
            )
    except (ValidationFailed, Conflict) as error:
        request.session["catalogue_problem"] = {
            "title": error.detail,
            "items": error_list(error, "#findings"),
        }
        return redirect(
            "catalogue:version", organisation_slug=organisation_slug, service_slug=service_slug, number=number
        )
    except TownhallError as error:
        return error_page(request, error)
    return redirect(_version_url(version))


@staff_required
@require_POST
def version_publish(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    return _act(request, organisation_slug, service_slug, number, "publish")


@staff_required
@require_POST
def version_check(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    return _act(request, organisation_slug, service_slug, number, "check")


@staff_required
@require_POST
def version_retire(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    return _act(request, organisation_slug, service_slug, number, "retire")


@staff_required
@require_POST
def version_new_draft(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    return _act(request, organisation_slug, service_slug, number, "new_draft")


@staff_required
@require_GET
def version_export(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    try:
        organisation = _organisation(request, organisation_slug)
        version = selectors.version_get(
            organisation=organisation, actor=request.user, service_slug=service_slug, number=number
        )
        text = services.definition_export(actor=request.user, version=version)
    except TownhallError as error:
        return error_page(request, error)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{selectors.export_filename(version)}"'
    return response


@staff_required
@require_GET
def adopt_index(request: HttpRequest) -> HttpResponse:
    organisations = _where(request, Permission.EDIT_DEFINITIONS)
    if not organisations:
        return error_page(request, PermissionDenied(_("You need the edit definitions permission")))
    own = {o.pk for o in organisations}
    others = [v for v in selectors.published_services() if v.service.organisation_id not in own]
    return render_staff(
        request,
        "catalogue/staff/adopt.html",
        {"versions": others, "organisations": organisations, "breadcrumbs": breadcrumbs((_("Adopt"), None))},
    )


@staff_required
@require_POST
def adopt(request: HttpRequest, version_id: int) -> HttpResponse:
    organisations = _where(request, Permission.EDIT_DEFINITIONS)
    if not organisations:
        return error_page(request, PermissionDenied(_("You need the edit definitions permission")))
    chosen = request.POST.get("organisation", organisations[0].slug)
    organisation = next((o for o in organisations if o.slug == chosen), None)
    try:
        if organisation is None:
            raise NotFound("No such organisation", code="organisation_not_found")
        source = selectors.version_by_id(version_id=version_id)
        draft = services.definition_adopt(actor=request.user, organisation=organisation, source_version=source)
    except (Conflict, ValidationFailed) as error:
        others = [
            v for v in selectors.published_services() if v.service.organisation_id not in {o.pk for o in organisations}
        ]
        return render_staff(
            request,
            "catalogue/staff/adopt.html",
            {
                "versions": others,
                "organisations": organisations,
                "errors": error_list(error, "#directory"),
                "breadcrumbs": breadcrumbs((_("Adopt"), None)),
            },
            status=409,
        )
    except TownhallError as error:
        return error_page(request, error)
    return redirect(_version_url(draft))
