"""Changing an organisation's insight settings: its own unit costs per channel, and benchmarking."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.insight.calc import CHANNELS
from townhall.insight.models import UnitCostSetting

MAX_COST = Decimal("999.99")
MAX_SOURCE = 300
CHANNEL_NAMES = {
    "online": "online",
    "phone": "phone",
    "face_to_face": "face to face",
    "post": "post",
    "referral": "partner referral",
}


def _cost(channel: str, text: str, errors: list[FieldError]) -> Decimal | None:
    text = (text or "").strip().lstrip("£").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    name = CHANNEL_NAMES[channel]
    if not value.is_finite() or value < 0 or value > MAX_COST or value != value.quantize(Decimal("0.01")):
        errors.append(
            FieldError(
                "invalid_unit_cost",
                f"Enter the cost of a {name} transaction in pounds, like 2.83, from 0 to {MAX_COST}",
                f"cost_{channel}",
            )
        )
        return None
    return value.quantize(Decimal("0.01"))


def insight_settings_save(
    *, organisation: Organisation, actor: Any, costs: dict[str, str], source: str, benchmarking_opt_in: bool
) -> UnitCostSetting:
    """Set the organisation's own unit costs (a blank cost means the default) and whether it is benchmarked."""
    require(actor, organisation, Permission.MANAGE_ORGANISATION)
    errors: list[FieldError] = []
    values = {c: _cost(c, costs.get(c, ""), errors) for c in CHANNELS}
    source = (source or "").strip()
    if len(source) > MAX_SOURCE:
        errors.append(
            FieldError(
                "source_too_long", f"Say where the costs come from in {MAX_SOURCE} characters or fewer", "source"
            )
        )
    if errors:
        raise ValidationFailed("Check the unit costs", code="invalid_insight_settings", errors=errors)
    with transaction.atomic():
        setting, _ = UnitCostSetting.objects.select_for_update().get_or_create(organisation=organisation)
        before = {c: str(getattr(setting, c)) if getattr(setting, c) is not None else "" for c in CHANNELS}
        for c, value in values.items():
            setattr(setting, c, value)
        setting.source = source
        setting.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        setting.save()
        was_opted_in = organisation.benchmarking_opt_in
        if was_opted_in != benchmarking_opt_in:
            Organisation.objects.filter(pk=organisation.pk).update(benchmarking_opt_in=benchmarking_opt_in)
            organisation.benchmarking_opt_in = benchmarking_opt_in
        audit_record(
            organisation=organisation,
            actor=actor,
            action="insight.settings_changed",
            object_type="organisation",
            object_id=organisation.slug,
            data={
                "unit_costs_before": before,
                "unit_costs": {c: str(v) if v is not None else "" for c, v in values.items()},
                "source": source,
                "benchmarking_opt_in": benchmarking_opt_in,
                "benchmarking_was": was_opted_in,
            },
        )
    return setting
