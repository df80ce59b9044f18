"""Property: no published figure lets anyone work out a count under the threshold, through the real pipeline.

Hand-made monthly figures go through the pipeline's rows, are written as CSV, read back as the public
would, and each month's tables (with their all-services totals) are given to the attacker's solver.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.opendata.attacker import Published, ranges
from tests.opendata.conftest import TODAY
from townhall.opendata import sources
from townhall.opendata.disclosure import DisclosureRules
from townhall.opendata.formats import to_csv
from townhall.opendata.services import dataset_publish
from townhall.opendata.tables import (
    ALL_SERVICES,
    CHANNELS,
    COUNT_TABLES,
    PERFORMANCE_COLUMNS,
    ServiceMonthFigures,
    _true_counts,
    performance_rows,
)

RULES = DisclosureRules(threshold=10, rounding_base=1)  # rounding only adds doubt; test without it

counts = st.one_of(st.integers(0, 12), st.integers(10, 300))
service_month = st.builds(
    lambda slug, volumes, decided, late, started, submitted, responses, unhappy: ServiceMonthFigures(
        service_slug=slug,
        service_title=slug,
        lgsl=None,
        month=date(2026, 9, 1),
        volumes=dict(zip(CHANNELS, volumes, strict=False)),
        decided=decided + late,
        decided_in_time=decided,
        journeys_started=started + submitted,
        journeys_submitted=submitted,
        satisfaction_responses=responses + unhappy,
        satisfied=responses,
    ),
    st.sampled_from(["a", "b", "c", "d", "e"]),
    st.lists(counts, min_size=1, max_size=len(CHANNELS)),
    counts,
    counts,
    counts,
    counts,
    counts,
    counts,
)
months = st.lists(service_month, min_size=1, max_size=5, unique_by=lambda f: f.service_slug)


def _read_back(csv_text: str) -> list[dict[str, int | str | None]]:
    types = {c.name: c.datatype for c in PERFORMANCE_COLUMNS}
    rows = []
    for raw in csv.DictReader(io.StringIO(csv_text)):
        rows.append(
            {k: (None if v == "" else int(v) if types[k] == "integer" else v) for k, v in raw.items()}  # type: ignore[misc]
        )
    return rows


def _published_tables(rows: list[dict[str, Any]]) -> list[tuple[tuple[str, ...], Published, list[str]]]:
    """Each count table as the public sees it; a complement column is known where its line total and cell are."""
    services = [r for r in rows if r["service"] != ALL_SERVICES]
    [total] = [r for r in rows if r["service"] == ALL_SERVICES]
    tables = []
    for (
        cells,
        line_total,
    ) in [(c, t) for c, t in COUNT_TABLES]:

        def line(r: dict[str, Any], cells: tuple[str, ...] = cells, line_total: str = line_total) -> list[int | None]:
            if not cells[1].startswith("_"):
                return [r[c] for c in cells]
            shown, whole = r[cells[0]], r[line_total]
            return [shown, None if shown is None or whole is None else whole - shown]

        published = Published(
            cells=[line(r) for r in services],
            row_totals=[r[line_total] for r in services],
            column_totals=line(total),
            grand_total=total[line_total],
        )
        tables.append((cells, published, [str(r["service"]) for r in services]))
    return tables


def _assert_nothing_small_is_pinned(figures: list[ServiceMonthFigures], rows: list[dict[str, Any]]) -> None:
    truth = {f.service_slug: _true_counts(f) for f in figures}
    for cells, published, slugs in _published_tables(rows):
        true_cells = [[truth[s][c] for c in cells] for s in slugs]
        true_rows = [sum(line) for line in true_cells]
        true_columns = [sum(col) for col in zip(*true_cells, strict=True)]
        for i, row in enumerate(true_cells):
            for j, value in enumerate(row):
                if 0 < value < RULES.threshold:
                    assert published.cells[i][j] is None, f"{slugs[i]}.{cells[j]}={value} is published"
        for (kind, a, b), (low, high) in ranges(published).items():
            if kind == "cell":
                value = true_cells[a][b]
            elif kind == "row":
                value = true_rows[a]
            else:
                value = true_columns[a] if kind == "column" else sum(true_rows)
            assert low - 1e-6 <= value <= high + 1e-6, (kind, a, b, value, low, high)
            if 0 < value < RULES.threshold:
                assert high - low >= 1 - 1e-6, f"{kind} {a},{b} of {cells} = {value} is pinned to {low}..{high}"


@settings(max_examples=150, deadline=None)
@given(months)
def test_no_published_cell_below_the_threshold_can_be_derived_from_the_totals(figures):
    rows = performance_rows(figures, organisation_code="E1", rules=RULES)
    read = _read_back(to_csv(PERFORMANCE_COLUMNS, rows))
    _assert_nothing_small_is_pinned(figures, read)


@pytest.mark.django_db
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(figures=months)
def test_the_same_holds_for_versions_the_pipeline_publishes(county, standard, monkeypatch, figures):
    monkeypatch.setattr(sources, "service_month_figures", lambda *, organisation, today: list(figures))
    dataset = standard["service-performance"]
    dataset.threshold, dataset.rounding_base = RULES.threshold, RULES.rounding_base
    dataset.save()
    dataset_publish(dataset=dataset, actor=None, today=TODAY)
    version = dataset.versions.order_by("-number").first()
    assert version is not None
    _assert_nothing_small_is_pinned(figures, _read_back(to_csv(version.column_list, version.rows)))


def test_a_small_line_total_cannot_be_worked_out_from_the_grand_total():
    from townhall.opendata.disclosure import protect

    table = protect([[1, 1], [20, 30]], RULES)  # found by the property above: the 2 was grand total minus 50
    assert table.row_totals[0] is None
    found = ranges(Published(table.cells, table.row_totals, table.column_totals, table.grand_total))
    low, high = found[("row", 0, 0)]
    assert high - low >= 1
