"""SVG charts are labelled and escaped; periods read from the address are checked."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from townhall.insight.charts import Series, bar_chart, line_chart
from townhall.insight.periods import MAX_MONTHS, Period, parse_periods

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 11, 23)


def test_bar_chart_is_labelled_and_escaped() -> None:
    svg = bar_chart(
        chart_id="c1",
        title="Cases <received> & more",
        description="Bars",
        labels=["Jan", "Feb"],
        series=[Series("Online", (1, 2)), Series("Phone", (3, None))],
    )
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Cases <received> & more"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc") is not None
    assert len(root.findall(f"{SVG}rect")) == 3 + 2  # three bars, two legend keys


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)), max_size=40))
def test_line_chart_is_always_well_formed(values: list[float | None]) -> None:
    svg = line_chart(
        chart_id="c2",
        title="T",
        description="D",
        labels=[str(n) for n in range(len(values))],
        series=[Series("S", tuple(values))],
    )
    ElementTree.fromstring(svg)


def test_default_period_is_the_last_twelve_months() -> None:
    choice = parse_periods({}, TODAY)
    assert choice.period == Period(date(2025, 12, 1), date(2026, 11, 1)) and choice.comparison is None
    assert not choice.errors


def test_comparison_period() -> None:
    choice = parse_periods(
        {"from": "2026-01", "to": "2026-03", "compare_from": "2025-01", "compare_to": "2025-03"}, TODAY
    )
    assert choice.comparison == Period(date(2025, 1, 1), date(2025, 3, 1))
    assert choice.period.label == "January 2026 to March 2026"


@given(st.dictionaries(st.sampled_from(["from", "to", "compare_from", "compare_to"]), st.text(max_size=12)))
def test_any_input_gives_a_period_or_errors(params: dict[str, str]) -> None:
    choice = parse_periods(params, TODAY)
    assert choice.period.start <= choice.period.end
    assert len(choice.period.months) <= MAX_MONTHS
    for field, message in choice.errors:
        assert field in {"from", "to", "compare_from", "compare_to"} and message
