"""Statistical disclosure control for published counts. Pure: no Django.

A table of counts (rows × columns, with row, column and grand totals published) goes through:

1. **Primary suppression**: a count under the threshold (default 10) is withheld; zero may be
   shown (a structural zero discloses nothing about a person) or withheld, by rule.
2. **Secondary suppression**: a withheld count must not be recoverable by subtracting the
   published counts from a published total. Seen as a bipartite graph (rows and columns are
   nodes, withheld cells are edges), a cell is recoverable exactly when its edge lies on no
   cycle: then no pattern of changes to the withheld cells keeps every total. So more cells
   are withheld, smallest first, until every withheld cell lies on a cycle.
3. **Totals**: a total under the threshold is withheld too, and a total over a single cell
   is that cell, published or withheld with it.
4. **Rounding**: every published count and total is rounded to the nearest multiple of the
   rounding base (default 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

SUPPRESSED = None  # how a withheld cell is published


@dataclass(frozen=True)
class DisclosureRules:
    threshold: int = 10  # counts 1..threshold-1 are withheld
    rounding_base: int = 5  # 1 turns rounding off
    suppress_zero: bool = False

    def __post_init__(self) -> None:
        if self.threshold < 0 or self.rounding_base < 1:
            raise ValueError("threshold must be >= 0 and rounding_base >= 1")


@dataclass(frozen=True)
class ProtectedTable:
    cells: tuple[tuple[int | None, ...], ...]  # None where withheld
    row_totals: tuple[int | None, ...]  # None where withheld
    column_totals: tuple[int | None, ...]
    grand_total: int | None
    primary: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    secondary: frozenset[tuple[int, int]] = field(default_factory=frozenset)


def round_to(value: int, base: int) -> int:
    if base <= 1:
        return value
    return int(base * ((value + base / 2) // base))


def _is_primary(value: int, rules: DisclosureRules) -> bool:
    if value == 0:
        return rules.suppress_zero
    return value < rules.threshold


Node = tuple[str, int]
SLACK: Node = ("slack", 0)  # stands for every withheld total: a change there shows nowhere


def _bridge_edges(edges: Sequence[tuple[Node, Node, object]]) -> set[object]:
    """Keys of the edges that lie on no cycle (Tarjan's bridges, iteratively)."""
    graph: dict[Node, list[tuple[Node, object]]] = {}
    for a, b, edge in edges:
        graph.setdefault(a, []).append((b, edge))
        graph.setdefault(b, []).append((a, edge))
    order: dict[Node, int] = {}
    low: dict[Node, int] = {}
    found: set[object] = set()
    counter = 0
    for root in graph:
        if root in order:
            continue
        stack: list[tuple[Node, object, object]] = [(root, None, iter(graph[root]))]
        order[root] = low[root] = counter
        counter += 1
        while stack:
            node, via, adjacent = stack[-1]
            advanced = False
            for neighbour, edge in adjacent:  # type: ignore[attr-defined]
                if edge == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append((neighbour, edge, iter(graph[neighbour])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack and via is not None:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.add(via)
    return found


def _bridges(cells: set[tuple[int, int]], open_lines: set[Node]) -> set[tuple[int, int]]:
    """Withheld cells whose edge lies on no cycle of the row–column graph.

    Rows and columns are nodes, withheld cells are edges, and a line whose total is withheld is
    joined to one slack node, since a change to its cells shows in no published figure.
    """
    edges: list[tuple[Node, Node, object]] = [(("r", r), ("c", c), (r, c)) for r, c in cells]
    edges += [(line, SLACK, line) for line in open_lines]
    return {e for e in _bridge_edges(edges) if e in cells}  # type: ignore[misc]


Total = tuple[str, int]  # ("r", i), ("c", j) or ("g", 0)
ROW_MARGIN: Node = ("row-margin", 0)
COLUMN_MARGIN: Node = ("column-margin", 0)


def _exact_bridges(cells: set[tuple[int, int]], totals: set[Total]) -> set[object]:
    """Withheld figures that the published ones pin down exactly, totals included.

    Every figure is an edge and every equation a node: a row's cells and its total meet at the row,
    the row totals and the grand total at the row margin, and likewise for columns. The graph is
    bipartite (rows and the column margin against columns and the row margin), so a change of +δ/−δ
    round any cycle keeps every equation: a withheld figure is pinned exactly when it is a bridge.
    """
    edges: list[tuple[Node, Node, object]] = [(("r", r), ("c", c), (r, c)) for r, c in cells]
    for kind, i in totals:
        if kind == "r":
            edges.append((("r", i), ROW_MARGIN, (kind, i)))
        elif kind == "c":
            edges.append((("c", i), COLUMN_MARGIN, (kind, i)))
        else:
            edges.append((ROW_MARGIN, COLUMN_MARGIN, (kind, i)))
    return _bridge_edges(edges)


def _protect_totals(
    counts: Sequence[Sequence[int]],
    withheld: set[tuple[int, int]],
    totals: set[Total],
    sensitive: set[object],
) -> set[Total]:
    """More totals to withhold until no sensitive figure (a small count or total) is pinned by the others."""
    rows = [sum(row) for row in counts]
    columns = [sum(col) for col in zip(*counts, strict=True)]
    value = {**{("r", i): v for i, v in enumerate(rows)}, **{("c", j): v for j, v in enumerate(columns)}}
    value[("g", 0)] = sum(rows)
    every = set(value)
    while bad := _exact_bridges(withheld, totals) & sensitive:
        edge = min(bad, key=str)
        if isinstance(edge, tuple) and edge[0] in ("r", "c"):
            kind, i = edge  # type: ignore[misc]
            others = [t for t in every - totals if t[0] == kind and t != edge and value[t] > 0]

            def shares_a_cell(t: Total, kind: str = kind, i: int = i) -> bool:
                if kind == "r":
                    return any((i, j) in withheld and (t[1], j) in withheld for j in range(len(columns)))
                return any((r, i) in withheld and (r, t[1]) in withheld for r in range(len(rows)))

            if others:
                totals.add(min(others, key=lambda t: (not shares_a_cell(t), value[t], t)))
                continue
        remaining = {t for t in every - totals if value[t] > 0 or t == ("g", 0)}
        if ("g", 0) in remaining:
            totals.add(("g", 0))
        elif remaining:
            totals |= remaining
        else:
            break  # nothing left to withhold: only the cells' own cycles protect them
    return totals


def _rectangle(
    bridge: tuple[int, int], withheld: set[tuple[int, int]], counts: Sequence[Sequence[int]]
) -> set[tuple[int, int]]:
    """Cells to withhold so that ``bridge`` lies on a cycle r–c–r2–c2, cheapest first.

    Only non-zero counts are added: a zero cannot fall, so it would pin the cycle.
    """
    r, c = bridge
    best: tuple[int, int, set[tuple[int, int]]] | None = None
    for r2 in range(len(counts)):
        for c2 in range(len(counts[0])):
            if r2 == r or c2 == c:
                continue
            corners = ((r, c2), (r2, c), (r2, c2))
            if any(counts[a][b] == 0 for a, b in corners):
                continue
            added = {cell for cell in corners if cell not in withheld}
            cost = sum(counts[a][b] for a, b in added)
            if best is None or (len(added), cost) < (best[0], best[1]):
                best = (len(added), cost, added)
    return best[2] if best else set()


def _secondary(
    counts: Sequence[Sequence[int]], primary: set[tuple[int, int]]
) -> tuple[set[tuple[int, int]], set[Node]]:
    """More cells, and totals where cells cannot do it, to withhold so no withheld cell is recoverable."""
    withheld = set(primary)
    open_lines: set[Node] = set()
    single_line = len(counts) == 1 or len(counts[0]) == 1

    def implicit() -> set[Node]:
        # In one row (or column), each cell's perpendicular "total" is the cell itself.
        if len(counts) == 1:
            return {("c", j) for _, j in withheld}
        if len(counts[0]) == 1:
            return {("r", i) for i, _ in withheld}
        return set()

    while bridges := _bridges(withheld, open_lines | implicit()):
        bridge = min(bridges, key=lambda rc: (counts[rc[0]][rc[1]], rc))
        if single_line:
            others = [
                (i, j)
                for i in range(len(counts))
                for j in range(len(counts[0]))
                if (i, j) not in withheld and counts[i][j] > 0
            ]
            added = {min(others, key=lambda rc: (counts[rc[0]][rc[1]], rc))} if others else set()
        else:
            added = _rectangle(bridge, withheld, counts)
        if added:
            withheld |= added
        else:
            open_lines |= {("r", bridge[0]), ("c", bridge[1]), ("g", 0)} - implicit()
    return withheld - primary, open_lines


def protect(counts: Sequence[Sequence[int]], rules: DisclosureRules | None = None) -> ProtectedTable:
    """Apply primary and secondary suppression and rounding to a table of non-negative counts."""
    rules = rules or DisclosureRules()
    if not counts or not counts[0]:
        return ProtectedTable((), (), (), 0)
    width = len(counts[0])
    if any(len(row) != width for row in counts) or any(v < 0 for row in counts for v in row):
        raise ValueError("counts must be a rectangular table of non-negative integers")
    primary = {(i, j) for i, row in enumerate(counts) for j, v in enumerate(row) if _is_primary(v, rules)}
    secondary, open_lines = _secondary(counts, primary)
    withheld = primary | secondary
    base = rules.rounding_base

    rows = [[(i, j) for j in range(width)] for i in range(len(counts))]
    columns = [[(i, j) for i in range(len(counts))] for j in range(width)]
    lines: dict[Total, list[tuple[int, int]]] = {("r", i): line for i, line in enumerate(rows)}
    lines.update({("c", j): line for j, line in enumerate(columns)})
    lines[("g", 0)] = [cell for line in rows for cell in line]
    small = {t for t, line in lines.items() if 0 < sum(counts[i][j] for i, j in line) < rules.threshold}
    totals = {t for t in lines if t in open_lines or t in small}
    totals |= {t for t, line in lines.items() if len(line) == 1 and line[0] in withheld}
    totals = _protect_totals(counts, withheld, totals, set(primary) | small)

    def total(node: Total) -> int | None:
        if node in totals:
            return SUPPRESSED
        return round_to(sum(counts[i][j] for i, j in lines[node]), base)

    cells = tuple(
        tuple(SUPPRESSED if (i, j) in withheld else round_to(v, base) for j, v in enumerate(row))
        for i, row in enumerate(counts)
    )
    return ProtectedTable(
        cells=cells,
        row_totals=tuple(total(("r", i)) for i in range(len(counts))),
        column_totals=tuple(total(("c", j)) for j in range(width)),
        grand_total=total(("g", 0)),
        primary=frozenset(primary),
        secondary=frozenset(secondary),
    )
