"""Moving a case through its definition's workflow, by a person or by an automatic rule.

Pure: dataclasses in, dataclasses out. A person's move is refused (never raised) with a
stable code when the definition does not allow it; rules evaluate their CEL ``when``
against the answers and a ``case`` map and report which rule fired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from townhall.catalogue.cel_env import evaluate_condition
from townhall.catalogue.model import Rule, Transition, Workflow

Evaluate = Callable[..., bool]


@dataclass(frozen=True)
class Moved:
    """The transition is allowed: the case moves from ``source`` to ``target``."""

    transition: Transition
    source: str
    target: str

    @property
    def ok(self) -> bool:
        return True


@dataclass(frozen=True)
class Refused:
    """The transition is not allowed. ``code`` is stable; ``message`` is for people."""

    code: str
    message: str

    @property
    def ok(self) -> bool:
        return False


@dataclass(frozen=True)
class RuleFired:
    rule_id: str
    on: str
    transition_id: str | None
    source: str
    target: str  # equal to source when the rule only assigns a team
    assign_team: str | None


def _state_ids(workflow: Workflow) -> set[str]:
    return {s.id for s in workflow.states}


def is_final(workflow: Workflow, state: str) -> bool:
    return any(s.id == state and s.final for s in workflow.states)


def take_transition(
    workflow: Workflow,
    state: str,
    transition_id: str,
    roles: Iterable[str] | None,
    *,
    reason: str = "",
) -> Moved | Refused:
    """Check one move. ``roles=None`` means the platform itself (an automatic rule): roles are not checked."""
    if state not in _state_ids(workflow):
        return Refused("unknown_state", f"The case is in a state this workflow does not have: {state}")
    if is_final(workflow, state):
        return Refused("state_final", "The case has been decided and cannot move on")
    transition = next((t for t in workflow.transitions if t.id == transition_id), None)
    if transition is None:
        return Refused("unknown_transition", f"This service has no decision called {transition_id}")
    if state not in transition.sources:
        return Refused("transition_not_from_state", f"{transition.label.en} cannot be taken from this state")
    if transition.target not in _state_ids(workflow):
        return Refused("unknown_state", f"{transition.label.en} leads to a state this workflow does not have")
    if roles is not None and not set(transition.roles) & set(roles):
        return Refused("role_not_allowed", f"Your role cannot take the decision {transition.label.en}")
    if transition.requires_reason and not reason.strip():
        return Refused("reason_required", f"Give a reason for {transition.label.en}")
    return Moved(transition=transition, source=state, target=transition.target)


def available_transitions(workflow: Workflow, state: str, roles: Iterable[str]) -> list[Transition]:
    """The decisions these roles may take from this state, in the definition's order."""
    held = set(roles)
    if is_final(workflow, state):
        return []
    return [t for t in workflow.transitions if state in t.sources and set(t.roles) & held]


def run_rules(
    workflow: Workflow,
    event: str,
    state: str,
    answers: Mapping[str, Any],
    case: Mapping[str, Any],
    *,
    evaluate: Evaluate | None = None,
) -> list[RuleFired]:
    """Apply the automatic rules for ``event`` ("submitted" or "entered:<state>"), then for each state entered.

    For each event the first rule (in definition order) whose ``when`` holds fires. A rule whose
    transition the workflow refuses from the current state is skipped. Stops at a final state,
    and after as many moves as the workflow has states, so a cycle of rules cannot loop forever.
    """
    check = evaluate or evaluate_condition
    fired: list[RuleFired] = []
    current = state
    pending: str | None = event
    for _ in range(len(workflow.states) + 1):
        if pending is None or is_final(workflow, current):
            break
        on, pending = pending, None
        for rule in (r for r in workflow.rules if r.on == on):
            result = _try_rule(workflow, rule, current, answers, {**case, "state": current}, check)
            if result is None:
                continue
            fired.append(result)
            if result.target != result.source:
                current = result.target
                pending = f"entered:{current}"
            break
    return fired


def _try_rule(
    workflow: Workflow,
    rule: Rule,
    state: str,
    answers: Mapping[str, Any],
    case: dict[str, Any],
    check: Evaluate,
) -> RuleFired | None:
    target = state
    if rule.transition:
        outcome = take_transition(workflow, state, rule.transition, None)
        if isinstance(outcome, Refused):
            return None
        target = outcome.target
    if not check(rule.when, dict(answers), case=case):
        return None
    return RuleFired(
        rule_id=rule.id,
        on=rule.on,
        transition_id=rule.transition,
        source=state,
        target=target,
        assign_team=rule.assign_team,
    )
