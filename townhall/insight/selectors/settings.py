"""Reads of an organisation's insight settings: its unit costs per channel and whether it is benchmarked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.insight.calc import CHANNELS, DEFAULT_UNIT_COSTS
from townhall.insight.models import UnitCostSetting


@dataclass(frozen=True)
class InsightSettings:
    own_costs: dict[str, Decimal | None]  # None: the default is used
    defaults: dict[str, Decimal]
    source: str
    benchmarking_opt_in: bool


def insight_settings_get(*, organisation: Organisation, actor: Any) -> InsightSettings:
    require(actor, organisation, Permission.MANAGE_ORGANISATION)
    setting = UnitCostSetting.objects.filter(organisation=organisation).first()
    return InsightSettings(
        own_costs={c: getattr(setting, c) if setting else None for c in CHANNELS},
        defaults=DEFAULT_UNIT_COSTS.as_dict(),
        source=setting.source if setting else "",
        benchmarking_opt_in=organisation.benchmarking_opt_in,
    )
