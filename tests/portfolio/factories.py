from __future__ import annotations

from typing import Any

from townhall.portfolio.optimiser import Category, Initiative


def initiative(id: str, **fields: Any) -> Initiative:
    defaults: dict[str, Any] = {
        "name": id.title(),
        "category": Category.SHARED_SERVICES,
        "duration": 1,
        "capex": (100.0,),
        "savings": (80.0,) * 5,
        "optimism_bias_upper": 0.0,
    }
    defaults.update(fields)
    return Initiative(id=id, **defaults)
