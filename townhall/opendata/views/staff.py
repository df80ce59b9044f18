"""The back office for open data: set up the standard datasets, set disclosure rules, publish now."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.core.errors import NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import can
from townhall.core.roles import Permission
from townhall.core.views import staff_required
from townhall.opendata.selectors import dataset_get, dataset_list
from townhall.opendata.services import dataset_publish, dataset_rules_set, datasets_create_standard


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None or not can(request.user, organisation, Permission.PUBLISH_DATASETS):
        raise Http404("No such organisation")
    return organisation


def _back(organisation: Organisation) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("opendata:staff-datasets", kwargs={"organisation_slug": organisation.slug}))


def _page(
    request: HttpRequest, organisation: Organisation, *, errors: list[dict[str, str]] | None = None, status: int = 200
) -> HttpResponse:
    datasets = dataset_list(organisation=organisation, actor=request.user)
    return render(
        request,
        "opendata/staff_datasets.html",
        {"organisation": organisation, "datasets": datasets, "errors": errors or []},
        status=status,
    )


@staff_required
def datasets(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    return _page(request, _organisation(request, organisation_slug))


@staff_required
@require_POST
def create_standard(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    organisation = _organisation(request, organisation_slug)
    created = datasets_create_standard(organisation=organisation, actor=request.user)
    messages.success(request, _("%(count)d datasets set up") % {"count": len(created)})
    return _back(organisation)


def _dataset(request: HttpRequest, organisation: Organisation, dataset_slug: str):  # type: ignore[no-untyped-def]
    try:
        return dataset_get(organisation=organisation, actor=request.user, dataset_slug=dataset_slug)
    except NotFound as error:
        raise Http404(error.detail) from None


@staff_required
@require_POST
def rules(request: HttpRequest, organisation_slug: str, dataset_slug: str) -> HttpResponse:
    organisation = _organisation(request, organisation_slug)
    dataset = _dataset(request, organisation, dataset_slug)
    try:
        threshold = int(request.POST.get("threshold", ""))
        rounding_base = int(request.POST.get("rounding_base", ""))
        dataset_rules_set(dataset=dataset, actor=request.user, threshold=threshold, rounding_base=rounding_base)
    except ValueError:
        errors = [{"text": _("Enter whole numbers for the threshold and the rounding base"), "href": "#threshold"}]
        return _page(request, organisation, errors=errors, status=422)
    except ValidationFailed as error:
        errors = [{"text": e.message, "href": f"#{e.path}"} for e in error.errors]
        return _page(request, organisation, errors=errors, status=422)
    messages.success(request, _("Disclosure rules saved; they apply from the next version"))
    return _back(organisation)


@staff_required
@require_POST
def publish(request: HttpRequest, organisation_slug: str, dataset_slug: str) -> HttpResponse:
    organisation = _organisation(request, organisation_slug)
    dataset = _dataset(request, organisation, dataset_slug)
    version = dataset_publish(dataset=dataset, actor=request.user, note=request.POST.get("note", "")[:500])
    if version is None:
        messages.info(request, _("Nothing has changed since the last version, so no new version was published"))
    else:
        messages.success(request, _("Version %(number)d published") % {"number": version.number})
    return _back(organisation)
