"""The critical path through dependencies, and the greedy baseline the optimiser is compared with."""

from __future__ import annotations

from dataclasses import replace

import pytest

from townhall.portfolio.optimiser import Lock, Programme, critical_path, greedy_plan, solve
from townhall.portfolio.optimiser.synthetic import SyntheticSpec, synthetic_programme

from .checks import violations
from .factories import initiative


def test_the_critical_path_is_the_longest_chain_of_dependencies() -> None:
    items = [
        initiative("network", duration=2),
        initiative("platform", duration=3, requires=("network",)),
        initiative("portal", duration=1, requires=("platform",)),
        initiative("training", duration=1, requires=("network",)),
        initiative("open-data", duration=2),
    ]
    cp = critical_path(items)
    assert cp.path == ("network", "platform", "portal")
    assert cp.finish_year == 6  # years 1-2, 3-5, 6
    assert cp.early_start == {"network": 1, "open-data": 1, "platform": 3, "training": 3, "portal": 6}
    assert cp.slack["training"] == 3 and cp.slack["open-data"] == 4
    assert all(cp.slack[k] == 0 for k in cp.path)


def test_planned_starts_shift_the_path_and_unplanned_initiatives_drop_out() -> None:
    items = [
        initiative("a", duration=1),
        initiative("b", duration=2, requires=("a",)),
        initiative("c", duration=4),
    ]
    cp = critical_path(items, starts={"a": 1, "c": 1})
    assert cp.path == ("c",) and cp.finish_year == 4
    late = critical_path(items, starts={"a": 3, "b": 4, "c": 1})
    assert late.path == ("a", "b") and late.finish_year == 5
    assert late.slack["c"] == 1


def test_a_dependency_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        critical_path([initiative("a", requires=("b",)), initiative("b", requires=("a",))])


def test_greedy_keeps_every_rule_and_the_optimiser_never_does_worse() -> None:
    spec = SyntheticSpec(initiatives=60, horizon_years=6)
    programme, items = synthetic_programme(spec, seed=7)
    programme = replace(programme, mip_rel_gap=0.0)
    items[0] = replace(items[0], locked=Lock.IN, requires=())
    greedy = greedy_plan(programme, items)
    best = solve(programme, items)
    assert violations(programme, items, greedy) == []
    assert violations(programme, items, best) == []
    assert "i000" in greedy.chosen and "i000" in best.chosen
    assert best.npv >= greedy.npv - 1e-6


def test_greedy_takes_the_best_ratio_first() -> None:
    items = [
        initiative("ratio-3", capex=(100.0,), savings=(75.0,) * 4),
        initiative("ratio-2", capex=(150.0,), savings=(75.0,) * 4),
    ]
    programme = Programme(horizon_years=5, discount_rate=0.0, capital_budget=(150.0, 0, 0, 0, 0))
    assert greedy_plan(programme, items).chosen == {"ratio-3": 1}


def test_the_roadmap_renders_as_an_accessible_svg_with_the_critical_path() -> None:
    import xml.etree.ElementTree as ET

    from townhall.portfolio.optimiser.gantt import roadmap_svg

    items = [
        initiative("network", name="Network & Wi-Fi", duration=2, savings=(100.0,) * 5),
        initiative("portal", name="Resident <portal>", duration=1, requires=("network",), savings=(90.0,) * 5),
        initiative("data", name="Open data", duration=1, savings=(60.0,) * 5),
    ]
    programme = Programme(horizon_years=5, discount_rate=0.0, requires_finish=True)
    plan = solve(programme, items)
    cp = critical_path(items, starts=plan.chosen)
    svg = roadmap_svg(plan, cp)
    root = ET.fromstring(svg)  # well-formed, names escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title") is not None
    desc = root.find(f"{ns}desc")
    assert desc is not None and desc.text is not None
    assert "Critical path: Network & Wi-Fi then Resident <portal>." in desc.text
    labels = [t.text for t in root.iter(f"{ns}text")]
    assert "Network & Wi-Fi (critical)" in labels and "Open data" in labels
    assert len(list(root.iter(f"{ns}rect"))) == 3
