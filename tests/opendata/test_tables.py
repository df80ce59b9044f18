"""The performance table: counts withheld and rounded per month, with an all-services row of totals."""

from __future__ import annotations

from datetime import date

from tests.opendata.conftest import HAND_MADE, figures
from townhall.opendata.disclosure import DisclosureRules
from townhall.opendata.tables import ALL_SERVICES, PERFORMANCE_COLUMNS, performance_rows

RULES = DisclosureRules(threshold=10, rounding_base=5)


def _rows() -> dict[tuple[str, str], dict[str, object]]:
    rows = performance_rows(HAND_MADE, organisation_code="E10000901", rules=RULES)
    return {(str(r["month"]), str(r["service"])): r for r in rows}


def test_one_row_per_service_and_month_and_a_total_row_per_month():
    rows = _rows()
    assert set(rows) == {
        ("2026-09-01", "blue-badge"),
        ("2026-09-01", "missed-bin"),
        ("2026-09-01", ALL_SERVICES),
        ("2026-10-01", "blue-badge"),
        ("2026-10-01", ALL_SERVICES),
    }
    assert all(set(r) == {c.name for c in PERFORMANCE_COLUMNS} for r in rows.values())


def test_small_counts_are_withheld_with_a_complement_and_the_rest_rounded():
    rows = _rows()
    bb, bins, total = rows["2026-09-01", "blue-badge"], rows["2026-09-01", "missed-bin"], rows["2026-09-01", "all"]
    assert bb["volume_phone"] is None  # 3 is under 10
    withheld = [(r, c) for r in (bb, bins) for c in ("volume_online", "volume_phone", "volume_post") if r[c] is None]
    assert len(withheld) >= 4  # a rectangle, so the 3 cannot be worked out from the totals
    for r in (bb, bins, total):
        for c in PERFORMANCE_COLUMNS:
            if c.datatype == "integer" and c.name != "lgsl" and r[c.name] is not None:
                assert int(str(r[c.name])) % 5 == 0, (c.name, r[c.name])
    assert total["volume_total"] == 330  # 331 rounded
    assert bins["decided_in_time"] == 160 and bins["decided"] == 160  # zero late is shown, not withheld


def test_the_days_to_decide_are_withheld_where_few_were_decided():
    rows = _rows()
    assert rows["2026-09-01", "blue-badge"]["median_days_to_decide"] == 6.0
    october = rows["2026-10-01", "blue-badge"]
    assert october["decided"] is None and october["median_days_to_decide"] is None
    assert rows["2026-09-01", "all"]["median_days_to_decide"] is None


def test_unknown_channels_count_as_other_and_impossible_counts_are_clamped():
    rows = performance_rows(
        [figures("x", date(2026, 1, 1), volumes={"carrier-pigeon": 40}, decided=20, decided_in_time=30)],
        organisation_code="E1",
        rules=DisclosureRules(threshold=10, rounding_base=1),
    )
    assert rows[0]["volume_other"] == 40
    assert rows[0]["decided_in_time"] == 20
