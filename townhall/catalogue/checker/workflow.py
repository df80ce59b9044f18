"""Checks of the casework workflow (TH301–TH315). No Django; roles come from the pure core.roles."""

from __future__ import annotations

from collections import defaultdict

from townhall.catalogue.checker.findings import Report
from townhall.catalogue.checker.walk import duplicates
from townhall.catalogue.model import ServiceDefinition
from townhall.core.roles import Role

ROLES = frozenset(role.value for role in Role)


def check_workflow(defn: ServiceDefinition, report: Report) -> None:
    wf = defn.workflow
    states = {s.id: s for s in wf.states}
    transitions = {t.id: t for t in wf.transitions}
    for i, state_id in duplicates([s.id for s in wf.states]):
        report.add("TH310", f"The state id '{state_id}' is used twice.", f"workflow.states[{i}].id")
    for i, transition_id in duplicates([t.id for t in wf.transitions]):
        report.add("TH311", f"The transition id '{transition_id}' is used twice.", f"workflow.transitions[{i}].id")
    for i, rule_id in duplicates([r.id for r in wf.rules]):
        report.add("TH312", f"The rule id '{rule_id}' is used twice.", f"workflow.rules[{i}].id")
    if wf.start not in states:
        report.add("TH301", f"The start state '{wf.start}' is not one of the workflow's states.", "workflow.start")
    if not any(s.final for s in wf.states):
        report.add("TH313", "No state is final, so no case can ever be closed.", "workflow.states")

    forward: dict[str, set[str]] = defaultdict(set)
    backward: dict[str, set[str]] = defaultdict(set)
    for i, t in enumerate(wf.transitions):
        path = f"workflow.transitions[{i}]"
        for k, source in enumerate(t.sources):
            if source not in states:
                report.add("TH307", f"'{t.id}' goes from '{source}', which is not a state.", f"{path}.from[{k}]")
            elif states[source].final:
                report.add("TH304", f"'{source}' is final, but the transition '{t.id}' leaves it.", f"{path}.from[{k}]")
            forward[source].add(t.target)
            backward[t.target].add(source)
        if t.target not in states:
            report.add("TH307", f"'{t.id}' goes to '{t.target}', which is not a state.", f"{path}.to")
        if not t.roles:
            report.add(
                "TH305", f"No role may take the transition '{t.id}': give it at least one role.", f"{path}.roles"
            )
        elif not set(t.roles) & ROLES:
            report.add("TH305", f"None of the roles of '{t.id}' exists, so no one may take it.", f"{path}.roles")
        for k, role in enumerate(t.roles):
            if role not in ROLES:
                report.add("TH306", f"'{role}' is not a role. Roles: {', '.join(sorted(ROLES))}.", f"{path}.roles[{k}]")

    if wf.start in states:
        reached = _closure({wf.start}, forward)
        for i, s in enumerate(wf.states):
            if s.id not in reached:
                report.add(
                    "TH302", f"No transitions lead from '{wf.start}' to the state '{s.id}'.", f"workflow.states[{i}]"
                )
    can_finish = _closure({s.id for s in wf.states if s.final}, backward)
    if any(s.final for s in wf.states):
        for i, s in enumerate(wf.states):
            if s.id not in can_finish:
                report.add("TH303", f"A case in '{s.id}' can never reach a final state.", f"workflow.states[{i}]")

    for i, rule in enumerate(wf.rules):
        path = f"workflow.rules[{i}]"
        runs_in: str | None = None
        if rule.on == "submitted":
            runs_in = wf.start
        elif rule.on.startswith("entered:") and rule.on.removeprefix("entered:") in states:
            runs_in = rule.on.removeprefix("entered:")
        else:
            report.add("TH309", f"A rule runs on 'submitted' or 'entered:<state id>', not '{rule.on}'.", f"{path}.on")
        if rule.transition is None:
            continue
        if rule.transition not in transitions:
            report.add(
                "TH308",
                f"The rule '{rule.id}' names the transition '{rule.transition}', which is not defined.",
                f"{path}.transition",
            )
        elif transitions[rule.transition].requires_reason:
            report.add(
                "TH315",
                f"'{rule.transition}' requires a reason, which a rule cannot give: "
                f"the rule '{rule.id}' would never move a case.",
                f"{path}.transition",
            )
        elif runs_in is not None and runs_in not in transitions[rule.transition].sources:
            report.add(
                "TH314",
                f"The rule '{rule.id}' runs in '{runs_in}', but '{rule.transition}' cannot be taken from there.",
                f"{path}.transition",
            )


def _closure(seeds: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(seeds)
    stack = list(seeds)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
