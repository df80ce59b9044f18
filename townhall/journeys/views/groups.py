"""Repeating groups ("add another"): add an item, change it, remove it, and a summary of what was added."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from townhall.catalogue.model import Page, Question, QuestionType
from townhall.catalogue.models import DefinitionVersion
from townhall.core.errors import FieldError, ValidationFailed
from townhall.journeys import flow
from townhall.journeys.models import JourneySession, JourneyStatus
from townhall.journeys.questions import fields_from_values
from townhall.journeys.services.sessions import journey_answer_page, journey_group_item_remove, journey_group_item_save
from townhall.journeys.views._common import (
    by_field,
    form_data,
    journey_url,
    render_journey,
    service_and_journey,
    summary,
)
from townhall.journeys.views._display import item_summary


def _group(page: Page) -> Question:
    return next(q for q in page.questions if q.type is QuestionType.GROUP)


def group_page(
    request: HttpRequest, org: str, service: str, version: DefinitionVersion, journey: JourneySession, page: Page
) -> HttpResponse:
    """The summary of a group's items and "Do you need to add another?"."""
    definition = version.definition()
    group = _group(page)
    items = list(journey.answers.get(group.id) or [])
    if not items and request.method == "GET" and group.required:
        return HttpResponseRedirect(journey_url("group-add", org, service, page_id=page.id))
    errors: list[FieldError] = []
    if request.method == "POST":
        another = request.POST.get("add_another", "")
        full = group.maximum is not None and len(items) >= group.maximum
        if another == "yes" and not full:
            return HttpResponseRedirect(journey_url("group-add", org, service, page_id=page.id))
        if another not in ("yes", "no") and not full:
            errors = [FieldError("required", _("Select yes if you need to add another"), "add_another")]
        else:
            try:
                journey_answer_page(
                    session=journey, page_id=page.id, data={group.id: items}, language=render_lang(definition)
                )
                if request.GET.get("change") == "1":
                    target = flow.next_page_id(definition, journey.answers, journey.completed_pages)
                else:
                    pages = [p.id for p in flow.visible_pages(definition, journey.answers)]
                    after = pages[pages.index(page.id) + 1 :] if page.id in pages else []
                    target = after[0] if after else flow.CHECK_ANSWERS
                if target == flow.CHECK_ANSWERS:
                    return HttpResponseRedirect(journey_url("check-answers", org, service))
                return HttpResponseRedirect(journey_url("page", org, service, page_id=target))
            except ValidationFailed as error:
                errors = [FieldError(e.code, e.message, "add_another") for e in error.errors]
    return _summary_page(request, org, service, version, journey, page, errors)


def _full_error(group: Question, lang: str) -> FieldError:
    """Why no more can be added. It goes with the "You cannot add any more" paragraph, which has the id."""
    n = int(group.maximum or 0)
    message = ngettext("You can add up to %(n)s item (%(thing)s).", "You can add up to %(n)s items (%(thing)s).", n) % {
        "n": n,
        "thing": group.label.get(lang),
    }
    return FieldError("too_many", message, "add_another")


def _summary_page(
    request: HttpRequest,
    org: str,
    service: str,
    version: DefinitionVersion,
    journey: JourneySession,
    page: Page,
    errors: list[FieldError],
) -> HttpResponse:
    definition = version.definition()
    group = _group(page)
    items = list(journey.answers.get(group.id) or [])
    page_url = journey_url("page", org, service, page_id=page.id)
    lang = render_lang(definition)
    thing = group.label.get(lang)
    # Each item is named as its own page names it ("Person 2"): the row's key, and the words a screen reader
    # hears after "Change" and "Remove", so every link says which item it acts on.
    names = [_("%(thing)s %(num)s") % {"thing": thing, "num": index + 1} for index in range(len(items))]
    rows = [
        {
            "key": {"text": names[index]},
            "value": {"text": item_summary(group, item, lang)},
            "actions": {
                "items": [
                    {
                        "href": journey_url("group-item", org, service, page_id=page.id, index=index),
                        "text": _("Change"),
                        "visuallyHiddenText": names[index],
                    },
                    {
                        "href": journey_url("group-remove", org, service, page_id=page.id, index=index),
                        "text": _("Remove"),
                        "visuallyHiddenText": names[index],
                    },
                ]
            },
        }
        for index, item in enumerate(items)
    ]
    previous = flow.previous_page_id(definition, journey.answers, page.id)
    return render_journey(
        request,
        "journeys/group_summary.html",
        version=version,
        org=org,
        service=service,
        journey=journey,
        page=page,
        group=group,
        rows=rows,
        full=group.maximum is not None and len(items) >= group.maximum,
        action=page_url + ("?change=1" if request.GET.get("change") == "1" else ""),
        errs=by_field(errors),
        errors=summary(errors),
        back_url=journey_url("page", org, service, page_id=previous)
        if previous
        else journey_url("start", org, service),
    )


def render_lang(definition: object) -> str:
    from townhall.journeys.views._common import language_for

    return language_for(definition)  # type: ignore[arg-type]


def _journey_page(request: HttpRequest, org: str, service: str, page_id: str):  # type: ignore[no-untyped-def]
    version, journey = service_and_journey(request, org, service)
    assert journey is not None
    definition = version.definition()
    page = flow.page_by_id(definition, page_id)
    if (
        journey.status != JourneyStatus.IN_PROGRESS
        or page is None
        or not any(q.type is QuestionType.GROUP for q in page.questions)
        or not flow.can_visit(definition, journey.answers, journey.completed_pages, page_id)
    ):
        return version, journey, None
    return version, journey, page


@require_http_methods(["GET", "POST"])
def group_item(request: HttpRequest, org: str, service: str, page_id: str, index: int | None = None) -> HttpResponse:
    version, journey, page = _journey_page(request, org, service, page_id)
    if page is None:
        return HttpResponseRedirect(journey_url("start", org, service))
    group = _group(page)
    items = list(journey.answers.get(group.id) or [])
    if index is not None and not 0 <= index < len(items):
        return HttpResponseRedirect(journey_url("page", org, service, page_id=page_id))
    if index is None and group.maximum is not None and len(items) >= group.maximum:
        # Reached by the add URL itself (the summary offers no "add another" when full): say why, store nothing.
        error = _full_error(group, render_lang(version.definition()))
        return _summary_page(request, org, service, version, journey, page, [error])
    errors: list[FieldError] = []
    if request.method == "POST":
        data = form_data(request, group.questions)
        try:
            journey_group_item_save(
                session=journey,
                question_id=group.id,
                index=index,
                data=data,
                language=render_lang(version.definition()),
            )
            return HttpResponseRedirect(journey_url("page", org, service, page_id=page_id))
        except ValidationFailed as error:
            errors = error.errors
        fields = data
    else:
        fields = fields_from_values(group.questions, items[index] if index is not None else {})
    return render_journey(
        request,
        "journeys/group_item.html",
        version=version,
        org=org,
        service=service,
        journey=journey,
        page=page,
        group=group,
        number=(index + 1) if index is not None else len(items) + 1,
        fields=fields,
        errs=by_field(errors),
        errors=summary(errors),
        back_url=journey_url("page", org, service, page_id=page_id) if items else journey_url("start", org, service),
    )


@require_http_methods(["GET", "POST"])
def group_remove(request: HttpRequest, org: str, service: str, page_id: str, index: int) -> HttpResponse:
    version, journey, page = _journey_page(request, org, service, page_id)
    if page is None:
        return HttpResponseRedirect(journey_url("start", org, service))
    group = _group(page)
    items = list(journey.answers.get(group.id) or [])
    if not 0 <= index < len(items):
        return HttpResponseRedirect(journey_url("page", org, service, page_id=page_id))
    errors: list[FieldError] = []
    if request.method == "POST":
        choice = request.POST.get("confirm", "")
        if choice == "yes":
            journey_group_item_remove(session=journey, question_id=group.id, index=index)
        if choice in ("yes", "no"):
            return HttpResponseRedirect(journey_url("page", org, service, page_id=page_id))
        errors = [FieldError("required", _("Select yes if you want to remove this"), "confirm")]
    lang = render_lang(version.definition())
    return render_journey(
        request,
        "journeys/group_remove.html",
        version=version,
        org=org,
        service=service,
        page=page,
        item=item_summary(group, items[index], lang),
        errs=by_field(errors),
        errors=summary(errors),
        back_url=journey_url("page", org, service, page_id=page_id),
    )
