"""The resident's journey: start page, one question page at a time, check your answers, confirmation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from townhall.catalogue.model import QuestionType
from townhall.core.errors import FieldError, ValidationFailed
from townhall.journeys import flow
from townhall.journeys.addresses import address_lookup
from townhall.journeys.models import JourneyStatus, Upload
from townhall.journeys.questions import POSTCODE_RE, fields_from_values, normalise_postcode
from townhall.journeys.selectors.journeys import submission_for_journey
from townhall.journeys.services.fees import journey_payment_start
from townhall.journeys.services.sessions import journey_answer_page, journey_start
from townhall.journeys.services.submissions import journey_submit
from townhall.journeys.services.uploads import journey_upload, upload_answer
from townhall.journeys.views._common import (
    by_field,
    form_data,
    journey_url,
    language_for,
    render_journey,
    service_and_journey,
    session_key,
    summary,
)
from townhall.journeys.views._display import answer_text, summary_value


def _go(org: str, service: str, page_id: str) -> HttpResponseRedirect:
    if page_id == flow.CHECK_ANSWERS:
        return HttpResponseRedirect(journey_url("check-answers", org, service))
    return HttpResponseRedirect(journey_url("page", org, service, page_id=page_id))


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, org: str, service: str) -> HttpResponse:
    version, journey = service_and_journey(request, org, service, required=False)
    if request.method == "POST":
        definition = version.definition()
        journey = journey_start(version=version, language=language_for(definition))
        request.session[session_key(version)] = journey.token
        return _go(org, service, flow.next_page_id(definition, {}, []))
    resumable = journey is not None and journey.status == JourneyStatus.IN_PROGRESS and journey.completed_pages
    return render_journey(
        request, "journeys/start.html", version=version, org=org, service=service, resumable=resumable
    )


def _address_lookup(request: HttpRequest, question_id: str) -> tuple[list[Any], list[FieldError]]:
    postcode = request.POST.get(f"{question_id}-lookup", "").strip()
    field = f"{question_id}-lookup"
    if not postcode:
        return [], [FieldError("required", _("Enter a postcode"), field)]
    if not POSTCODE_RE.match(normalise_postcode(postcode)):
        return [], [FieldError("invalid_postcode", _("Enter a full UK postcode"), field)]
    found = address_lookup().find(postcode)
    if not found:
        message = _("We could not find an address for that postcode. Enter the address below.")
        return [], [FieldError("no_addresses", message, field)]
    return found, []


def _unknown_uprn(
    request: HttpRequest, questions: list[Any], errors: list[FieldError], addresses: dict[str, list[Any]]
) -> list[FieldError]:
    """An address not chosen from the list ("Select an address from the list") goes with a field the resident
    can see: the list again when the posted postcode still finds it, else the postcode to look up."""
    for q in questions:
        uprn = f"{q.id}-uprn"
        if q.type is QuestionType.ADDRESS and any(e.path == uprn for e in errors):
            found, problems = _address_lookup(request, q.id)
            if found:
                addresses[q.id] = found
            else:  # no list to show: say what the postcode needs ("Enter a postcode"), next to it
                moved = problems[0] if problems else None
                errors = [(moved or replace(e, path=f"{q.id}-lookup")) if e.path == uprn else e for e in errors]
    return errors


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, org: str, service: str, page_id: str) -> HttpResponse:
    version, journey = service_and_journey(request, org, service)
    assert journey is not None
    if journey.status == JourneyStatus.SUBMITTED:
        return HttpResponseRedirect(journey_url("confirmation", org, service))
    definition = version.definition()
    current = flow.page_by_id(definition, page_id)
    if current is None or not flow.can_visit(definition, journey.answers, journey.completed_pages, page_id):
        return _go(org, service, flow.next_page_id(definition, journey.answers, journey.completed_pages))
    if any(q.type is QuestionType.GROUP for q in current.questions):
        from townhall.journeys.views.groups import group_page

        return group_page(request, org, service, version, journey, current)
    questions = flow.page_questions(definition, current, journey.answers)
    change = request.GET.get("change") == "1"
    errors: list[FieldError] = []
    addresses: dict[str, list[Any]] = {}
    if request.method == "POST":
        data = form_data(request, questions)
        lookup = request.POST.get("lookup")
        if lookup:
            addresses[lookup], errors = _address_lookup(request, lookup)
        else:
            for q in questions:
                if q.type is QuestionType.FILE:
                    data[q.id] = journey.answers.get(q.id)
                    uploaded = request.FILES.get(q.id)
                    if uploaded is not None:
                        try:
                            upload = journey_upload(
                                session=journey,
                                question_id=q.id,
                                file=uploaded,
                                filename=uploaded.name or "",
                                language=language_for(definition),
                            )
                            data[q.id] = upload_answer(upload)
                        except ValidationFailed as error:
                            errors.extend(error.errors)
            if not errors:
                try:
                    journey_answer_page(session=journey, page_id=page_id, data=data, language=language_for(definition))
                except ValidationFailed as error:
                    errors = _unknown_uprn(request, questions, error.errors, addresses)
            if not errors:
                if change:
                    return _go(org, service, flow.next_page_id(definition, journey.answers, journey.completed_pages))
                pages = [p.id for p in flow.visible_pages(definition, journey.answers)]
                after = pages[pages.index(page_id) + 1 :] if page_id in pages else []
                return _go(org, service, after[0] if after else flow.CHECK_ANSWERS)
        fields = data
    else:
        fields = fields_from_values(tuple(questions), journey.answers)
    uploads = {
        q.id: Upload.objects.filter(session=journey, token=(journey.answers.get(q.id) or {}).get("upload")).first()
        for q in questions
        if q.type is QuestionType.FILE and journey.answers.get(q.id)
    }
    previous = flow.previous_page_id(definition, journey.answers, page_id)
    lookup_errors = [e for e in errors if e.code != "no_addresses"] if addresses else errors
    return render_journey(
        request,
        "journeys/page.html",
        version=version,
        org=org,
        service=service,
        journey=journey,
        page=current,
        questions=questions,
        fields=fields,
        errs=by_field(errors),
        errors=summary(lookup_errors if request.POST.get("lookup") else errors),
        addresses=addresses,
        uploads=uploads,
        multipart=any(q.type is QuestionType.FILE for q in questions),
        change=change,
        back_url=journey_url("page", org, service, page_id=previous)
        if previous
        else journey_url("start", org, service),
    )


def _rows(org: str, service: str, definition: Any, answers: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    sections = []
    for shown in flow.visible_pages(definition, answers):
        rows = []
        for q in flow.page_questions(definition, shown, answers):
            text = answer_text(q, answers.get(q.id), lang)
            href = journey_url("page", org, service, page_id=shown.id) + "?change=1"
            rows.append(
                {
                    "key": {"text": q.label.get(lang)},
                    "value": summary_value(text),
                    "actions": {
                        "items": [{"href": href, "text": _("Change"), "visuallyHiddenText": q.label.get(lang)}]
                    },
                }
            )
        sections.append({"title": shown.title.get(lang), "rows": rows})
    return sections


@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, org: str, service: str) -> HttpResponse:
    version, journey = service_and_journey(request, org, service)
    assert journey is not None
    definition = version.definition()
    if journey.status == JourneyStatus.SUBMITTED:
        return HttpResponseRedirect(journey_url("confirmation", org, service))
    target = flow.next_page_id(definition, journey.answers, journey.completed_pages)
    if target != flow.CHECK_ANSWERS:
        return _go(org, service, target)
    lang = language_for(definition)
    errors: list[FieldError] = []
    answers_invalid = False
    if request.method == "POST":
        if request.POST.get("declaration") != "yes":
            message = _("Confirm that the information you have given is correct")
            errors = [FieldError("declaration_required", message, "declaration")]
        elif definition.fee and journey.channel == "online" and journey.payment_status != "success":
            return_url = request.build_absolute_uri(journey_url("payment-return", org, service))
            return HttpResponseRedirect(journey_payment_start(session=journey, return_url=return_url))
        else:
            try:
                journey_submit(
                    session=journey, actor=request.user if journey.staff_id else None, language=language_for(definition)
                )
                return HttpResponseRedirect(journey_url("confirmation", org, service))
            except ValidationFailed as error:
                errors = error.errors or [FieldError(error.code, error.detail, "")]
                answers_invalid = True
    return render_journey(
        request,
        "journeys/check_answers.html",
        version=version,
        org=org,
        service=service,
        journey=journey,
        sections=_rows(org, service, definition, journey.answers, lang),
        fee=f"£{definition.fee.amount_pence / 100:.2f}" if definition.fee else "",
        fee_due=bool(definition.fee) and journey.channel == "online" and journey.payment_status != "success",
        errs=by_field(errors),
        errors=_errors_to_pages(org, service, definition, journey.answers, errors)
        if answers_invalid
        else summary(errors),
        back_url=_back(org, service, flow.previous_page_id(definition, journey.answers, flow.CHECK_ANSWERS)),
    )


def _errors_to_pages(
    org: str, service: str, definition: Any, answers: dict[str, Any], errors: list[FieldError]
) -> list[dict[str, str]]:
    """The error summary for check your answers: the fields are not on this page, so an answer's error links
    to its question's page (its change link, which comes back here), as the check answers pattern does."""
    pages = {q.id: p.id for p in flow.visible_pages(definition, answers) for q in p.questions}
    found = []
    for entry, error in zip(summary(errors), errors, strict=True):
        # An error's field is its question's id, or the id and a part: home_address-line1, people-0-person_name
        # (question ids have no hyphen).
        page_id = pages.get(error.path.split("-", 1)[0])
        if page_id is not None:
            entry = {**entry, "href": journey_url("page", org, service, page_id=page_id) + "?change=1"}
        found.append(entry)
    return found


def _back(org: str, service: str, page_id: str | None) -> str:
    return journey_url("page", org, service, page_id=page_id) if page_id else journey_url("start", org, service)


@require_http_methods(["GET", "POST"])
def confirmation(request: HttpRequest, org: str, service: str) -> HttpResponse:
    from townhall.journeys.services.residents import satisfaction_record

    version, journey = service_and_journey(request, org, service)
    assert journey is not None
    if journey.status != JourneyStatus.SUBMITTED:
        return HttpResponseRedirect(journey_url("check-answers", org, service))
    submission = submission_for_journey(session=journey)
    errors: list[FieldError] = []
    thanked = False
    if request.method == "POST":
        try:
            satisfaction_record(
                submission=submission, rating=request.POST.get("rating", ""), comment=request.POST.get("comment", "")
            )
            thanked = True
        except ValidationFailed as error:
            errors = error.errors
    return render_journey(
        request,
        "journeys/confirmation.html",
        version=version,
        org=org,
        service=service,
        submission=submission,
        journey=journey,
        thanked=thanked or hasattr(submission, "satisfaction"),
        errs=by_field(errors),
        errors=summary(errors),
    )
