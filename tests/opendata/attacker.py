"""The attacker: from a published table and its margins, the least and greatest value of each withheld figure.

Unknowns are the withheld cells and the withheld totals (all >= 0); every row, every column and the
grand total must add up (the grand total both across row totals and across column totals). Solved with
HiGHS. Unlike ``feasible_range`` in test_disclosure.py this also uses the grand total, so a withheld
line total is an unknown tied to the others rather than left free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highspy

Cell = int | None


@dataclass(frozen=True)
class Published:
    cells: Sequence[Sequence[Cell]]
    row_totals: Sequence[Cell]
    column_totals: Sequence[Cell]
    grand_total: Cell


def ranges(table: Published) -> dict[tuple[str, int, int], tuple[float, float]]:
    """Key ("cell", i, j), ("row", i, 0), ("column", j, 0) or ("grand", 0, 0) → (least, greatest)."""
    rows, cols = len(table.cells), len(table.cells[0]) if table.cells else 0
    unknown: list[tuple[str, int, int]] = []
    unknown += [("cell", i, j) for i in range(rows) for j in range(cols) if table.cells[i][j] is None]
    unknown += [("row", i, 0) for i in range(rows) if table.row_totals[i] is None]
    unknown += [("column", j, 0) for j in range(cols) if table.column_totals[j] is None]
    unknown += [("grand", 0, 0)] if table.grand_total is None else []
    index = {k: n for n, k in enumerate(unknown)}

    def value(key: tuple[str, int, int]) -> Cell:
        kind, a, b = key
        return {
            "cell": lambda: table.cells[a][b],
            "row": lambda: table.row_totals[a],
            "column": lambda: table.column_totals[a],
            "grand": lambda: table.grand_total,
        }[kind]()

    equations: list[tuple[list[tuple[str, int, int]], tuple[str, int, int]]] = []
    equations += [([("cell", i, j) for j in range(cols)], ("row", i, 0)) for i in range(rows)]
    equations += [([("cell", i, j) for i in range(rows)], ("column", j, 0)) for j in range(cols)]
    equations.append(([("row", i, 0) for i in range(rows)], ("grand", 0, 0)))
    equations.append(([("column", j, 0) for j in range(cols)], ("grand", 0, 0)))

    found: dict[tuple[str, int, int], tuple[float, float]] = {}
    for target in unknown:
        bounds = []
        for sense in (1.0, -1.0):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            for k in unknown:
                h.addVar(0.0, highspy.kHighsInf)
                h.changeColCost(index[k], sense if k == target else 0.0)
            for parts, total in equations:
                coefficients: dict[int, float] = {}
                rhs = 0.0
                for p in parts:
                    if p in index:
                        coefficients[index[p]] = coefficients.get(index[p], 0.0) + 1.0
                    else:
                        rhs -= float(value(p))  # type: ignore[arg-type]
                if total in index:
                    coefficients[index[total]] = coefficients.get(index[total], 0.0) - 1.0
                else:
                    rhs += float(value(total))  # type: ignore[arg-type]
                if coefficients:
                    h.addRow(rhs, rhs, len(coefficients), list(coefficients), list(coefficients.values()))
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kUnbounded:
                bounds.append(float("inf"))
            else:
                assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.getModelStatus()
                bounds.append(sense * h.getInfo().objective_function_value)
        found[target] = (bounds[0], bounds[1])
    return found
