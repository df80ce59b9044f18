"""Paying a service's fee through GOV.UK Pay (or the local server that speaks its API)."""

from __future__ import annotations

from django.db import transaction

from townhall.core.errors import ValidationFailed
from townhall.core.services.audit import audit_record
from townhall.journeys.models import JourneySession, JourneyStatus
from townhall.journeys.payments import PaymentProvider, payment_provider


def journey_payment_start(*, session: JourneySession, return_url: str, provider: PaymentProvider | None = None) -> str:
    """Create a payment for the fee and return the ``next_url`` to send the resident to."""
    if session.status != JourneyStatus.IN_PROGRESS:
        raise ValidationFailed("This application has already been sent", code="journey_submitted")
    definition = session.version.definition()
    if definition.fee is None:
        raise ValidationFailed("This service has no fee", code="no_fee")
    if session.payment_status == "success":
        raise ValidationFailed("The fee has been paid", code="already_paid")
    provider = provider or payment_provider()
    state = provider.create(
        amount_pence=definition.fee.amount_pence,
        reference=f"TH-{session.pk}",
        description=definition.fee.description.get(session.language),
        return_url=return_url,
        language=session.language,
    )
    with transaction.atomic():
        session.payment_id = state.payment_id
        session.payment_status = state.status
        session.save(update_fields=["payment_id", "payment_status", "updated_at"])
        audit_record(
            organisation=session.organisation,
            actor=None,
            action="journey.payment_started",
            object_type="journey",
            object_id=session.pk,
            data={"payment_id": state.payment_id, "amount": definition.fee.amount_pence},
            actor_fallback="resident",
        )
    return state.next_url


def journey_payment_check(*, session: JourneySession, provider: PaymentProvider | None = None) -> JourneySession:
    """Ask the payment service how the payment went (GET /v1/payments/{id}) and record it."""
    if not session.payment_id:
        return session
    state = (provider or payment_provider()).status(session.payment_id)
    if state.status != session.payment_status:
        with transaction.atomic():
            session.payment_status = state.status
            session.save(update_fields=["payment_status", "updated_at"])
            audit_record(
                organisation=session.organisation,
                actor=None,
                action="journey.payment_checked",
                object_type="journey",
                object_id=session.pk,
                data={"payment_id": state.payment_id, "status": state.status},
                actor_fallback="resident",
            )
    return session
