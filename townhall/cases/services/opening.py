"""Opening a case from a submission: online, on the phone, face to face, by post or by referral."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.cases.models import Case, CaseEventKind, Channel
from townhall.cases.references import is_reference, new_reference
from townhall.cases.services._steps import enter_state, new_event, notification_events, run_case_rules, set_due_date
from townhall.cases.services.notify import queue_notifications
from townhall.catalogue.model import ServiceDefinition
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion
from townhall.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from townhall.core.inserts import holding, insert, insert_many, new_row
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record

_REFERENCE_ATTEMPTS = 8
CHANNELS = frozenset(Channel.values)  # (Channel.values builds a new list each time it is read)
MAX_EMAIL = 254  # Case.resident_email (an EmailField); RFC 5321 allows no longer address


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()[:10]


def normalise_name(text: str) -> str:
    return " ".join((text or "").split()).lower()[:200]


def _from_answers(definition: ServiceDefinition, answers: dict[str, Any], role: str) -> str:
    for question in definition.all_questions():
        if question.pii_role == role:
            value = answers.get(question.id)
            if isinstance(value, str):
                return value.strip()
            if isinstance(value, dict) and role == "postcode":
                return str(value.get("postcode", "")).strip()
        if role == "postcode" and question.pii_role == "address":
            value = answers.get(question.id)
            if isinstance(value, dict) and value.get("postcode"):
                return str(value["postcode"]).strip()
    return ""


def _chosen_reference(reference: str) -> str:
    """A reference the caller brings (a referral keeps its own): well formed, and no case has it yet."""
    if not is_reference(reference):
        raise ValidationFailed(
            "A case reference is 8 letters and numbers like HX7K-9M3T",
            code="invalid_reference",
            errors=[FieldError("invalid_reference", "Not a case reference", "reference")],
        )
    if Case.objects.filter(reference=reference).exists():
        raise Conflict(f"A case with reference {reference} already exists", code="case_reference_taken")
    return reference


def _insert(case: Case, chosen: str | None) -> None:
    """Write a new case, under the reference chosen or else a new one.

    A new reference is not looked up first: the unique index refuses one that is taken (about one in
    300,000 with a million cases), and a fresh one is tried inside a savepoint. That costs less than a
    query before every case. Inside ``inserts_held()`` the case is written with the caller's other rows,
    first, and a taken reference raises ``FirstRowRefused`` for the caller to try the whole write again.
    """
    if chosen is not None:
        case.reference = _chosen_reference(chosen)
        insert(case)
        return
    if holding():  # written with the rest of the caller's rows, which tries again if the reference is taken
        case.reference = new_reference()
        insert(case)
        return
    for _ in range(_REFERENCE_ATTEMPTS):
        case.reference = new_reference()
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            return
        except IntegrityError:
            if not Case.objects.filter(reference=case.reference).exists():
                raise  # another constraint refused the case
    raise Conflict("Could not find a free case reference", code="case_reference_exhausted")  # pragma: no cover


def case_open(
    *,
    organisation: Organisation,
    version: DefinitionVersion,
    answers: dict[str, Any],
    channel: str,
    actor: Any,
    reference: str | None = None,
    resident_email: str = "",
    resident_name: str = "",
    postcode: str = "",
    language: str = "en",
) -> Case:
    """Open a case for a submission to a published service.

    ``actor`` is None (or anonymous) for a resident's own online submission, otherwise the member
    of staff taking it on the resident's behalf (assisted digital). Runs inside the caller's
    transaction: records the opening, runs the "submitted" rules and queues the notifications.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        require(actor, organisation, Permission.ASSISTED_DIGITAL)
    if version.service.organisation_id != organisation.pk:
        raise NotFound("No such service", code="service_not_found")
    if version.status == DefinitionStatus.DRAFT:
        raise ValidationFailed("Cases can only be opened on a published service", code="definition_not_published")
    if channel not in CHANNELS:
        raise ValidationFailed(f"Unknown channel {channel!r}", code="unknown_channel")
    definition = version.definition()
    language = language if language in definition.languages else "en"
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # no savepoint: nothing here is retried on its own
        case = new_row(
            Case,
            organisation=organisation,
            version=version,
            state=definition.workflow.start,
            channel=channel,
            answers=answers,
            resident_email=(resident_email or _from_answers(definition, answers, "email")).strip().lower(),
            # Copies for the work queue, cut to their columns (the answers keep every character).
            resident_name=(resident_name or _from_answers(definition, answers, "name"))[:200],
            postcode=(postcode or _from_answers(definition, answers, "postcode")).strip().upper()[:10],
            language=language,
            team=definition.workflow.default_team,
            received_at=now,
        )
        case.name_search = normalise_name(case.resident_name)[:200]
        if len(case.resident_email) > MAX_EMAIL:
            raise ValidationFailed(
                f"An email address has at most {MAX_EMAIL} characters",
                code="resident_email_invalid",
                errors=[FieldError("resident_email_invalid", "Enter a shorter email address", "resident_email")],
            )
        case.postcode_search = normalise_postcode(case.postcode)
        set_due_date(case, definition)
        enter_state(case, definition, definition.workflow.start, now)
        opened = new_event(
            case, CaseEventKind.OPENED, actor=actor, when=now, to_state=case.state, data={"channel": channel}
        )
        # The "submitted" rules run before the case is first written, so it is written once, as they left it.
        fired, rule_events = run_case_rules(case, definition, "submitted", now)
        _insert(case, reference)
        insert_many([opened, *rule_events])
        queue_notifications(case, definition, ["submitted", *notification_events(fired)], reason="")
        audit_record(
            organisation=organisation,
            actor=actor,
            action="case.opened",
            object_type="case",
            object_id=case.reference,
            data={
                "service": definition.id,
                "version": version.number,
                "channel": channel,
                "state": case.state,
                "rules_fired": [f.rule_id for f in fired],
            },
            actor_fallback="resident" if channel == Channel.ONLINE else "system",
        )
    return case
