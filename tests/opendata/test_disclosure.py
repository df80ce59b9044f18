"""Disclosure control: small counts are withheld, and no withheld count can be worked out from the totals."""

from __future__ import annotations

import highspy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.opendata.disclosure import DisclosureRules, protect, round_to

EXACT = DisclosureRules(threshold=10, rounding_base=1)


def feasible_range(table, counts, cell) -> tuple[float, float]:
    """The least and greatest value the withheld ``cell`` could take, given everything published.

    An attacker's linear program, solved by HiGHS: unknowns are the withheld cells (>= 0), and
    every row and column total must add up.
    """
    withheld = [(i, j) for i, row in enumerate(table.cells) for j, v in enumerate(row) if v is None]
    index = {rc: k for k, rc in enumerate(withheld)}
    bounds = []
    for sense in (1.0, -1.0):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for rc in withheld:
            h.addVar(0.0, highspy.kHighsInf)
            h.changeColCost(index[rc], sense if rc == cell else 0.0)
        lines = [[(i, j) for j in range(len(counts[0]))] for i in range(len(counts))]
        lines += [[(i, j) for i in range(len(counts))] for j in range(len(counts[0]))]
        totals = list(table.row_totals) + list(table.column_totals)
        for line, total in zip(lines, totals, strict=True):
            if total is None:
                continue
            unknown = [index[rc] for rc in line if rc in index]
            known = sum(table.cells[i][j] for i, j in line if (i, j) not in index)
            if unknown:
                rhs = float(total - known)
                h.addRow(rhs, rhs, len(unknown), unknown, [1.0] * len(unknown))
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kUnbounded:
            bounds.append(float("inf"))  # no published total bounds it from above
        else:
            assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            bounds.append(sense * h.getInfo().objective_function_value)
    return bounds[0], bounds[1]


def test_small_counts_are_withheld_and_the_rest_rounded():
    table = protect([[120, 3, 47], [88, 61, 12]])
    assert table.cells[0][1] is None
    assert (0, 1) in table.primary
    assert len(table.secondary) >= 3  # a rectangle closes the cycle
    assert table.grand_total == round_to(331, 5)
    published = [v for row in table.cells for v in row if v is not None]
    assert all(v % 5 == 0 for v in published)


def test_zero_is_shown_unless_the_rules_say_otherwise():
    assert protect([[0, 40], [50, 60]], EXACT).cells[0][0] == 0
    assert protect([[0, 40], [50, 60]], DisclosureRules(suppress_zero=True, rounding_base=1)).cells[0][0] is None


def test_a_single_line_never_leaves_one_count_withheld():
    table = protect([[4, 50, 60, 70]], EXACT)
    assert sum(v is None for v in table.cells[0]) == 2
    assert table.cells[0][1] is None  # the smallest other count goes with it


def test_ragged_or_negative_tables_are_refused():
    with pytest.raises(ValueError):
        protect([[1, 2], [3]])
    with pytest.raises(ValueError):
        protect([[1, -2]])


tables = st.integers(min_value=2, max_value=5).flatmap(
    lambda cols: st.lists(
        st.lists(st.one_of(st.integers(0, 12), st.integers(10, 400)), min_size=cols, max_size=cols),
        min_size=2,
        max_size=5,
    )
)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_withheld_count_can_be_derived_from_the_totals(counts):
    table = protect(counts, EXACT)
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            if 0 < value < EXACT.threshold:
                assert table.cells[i][j] is None
    for i, j in table.primary:
        low, high = feasible_range(table, counts, (i, j))
        assert low <= counts[i][j] <= high
        assert high - low >= 1, f"cell {(i, j)}={counts[i][j]} is pinned to {low}..{high} by the totals"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=8))
def test_a_single_line_with_its_total_keeps_its_secrets(line):
    table = protect([line], EXACT)
    withheld = [v is None for v in table.cells[0]]
    if sum(withheld) == 1:  # only possible when the total is withheld with it
        assert table.row_totals[0] is None
    for j, value in enumerate(table.cells[0]):
        assert table.column_totals[j] == value  # a column of one cell is that cell
