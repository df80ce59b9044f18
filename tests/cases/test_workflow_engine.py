"""The pure workflow engine, over hand-written and random workflows."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from townhall.cases.workflow import Moved, Refused, available_transitions, run_rules, take_transition
from townhall.catalogue.model import Rule, State, Text, Transition, Workflow

ROLES = ["caseworker", "team_manager", "analyst"]


def _workflow(rules: tuple[Rule, ...] = ()) -> Workflow:
    return Workflow(
        start="new",
        states=(
            State("new", Text("New")),
            State("waiting", Text("Waiting"), waiting_for_resident=True),
            State("done", Text("Done"), final=True),
        ),
        transitions=(
            Transition("ask", ("new",), "waiting", Text("Ask"), ("caseworker",)),
            Transition("reply", ("waiting",), "new", Text("Reply"), ("caseworker",)),
            Transition("close", ("new", "waiting"), "done", Text("Close"), ("team_manager",), requires_reason=True),
        ),
        rules=rules,
    )


def test_refusals_have_stable_codes() -> None:
    w = _workflow()
    assert isinstance(take_transition(w, "new", "ask", ["caseworker"]), Moved)
    cases: list[tuple[str, str, list[str], str]] = [
        ("nowhere", "ask", ["caseworker"], "unknown_state"),
        ("new", "fly", ["caseworker"], "unknown_transition"),
        ("waiting", "ask", ["caseworker"], "transition_not_from_state"),
        ("new", "ask", ["analyst"], "role_not_allowed"),
        ("new", "close", ["team_manager"], "reason_required"),
        ("done", "reply", ["caseworker"], "state_final"),
    ]
    for state, transition, roles, code in cases:
        outcome = take_transition(w, state, transition, roles)
        assert isinstance(outcome, Refused) and outcome.code == code
    moved = take_transition(w, "new", "close", ["team_manager"], reason="Duplicate")
    assert isinstance(moved, Moved) and moved.target == "done"


def test_available_transitions_follow_roles() -> None:
    w = _workflow()
    assert [t.id for t in available_transitions(w, "new", ["caseworker"])] == ["ask"]
    assert [t.id for t in available_transitions(w, "new", ["caseworker", "team_manager"])] == ["ask", "close"]
    assert available_transitions(w, "done", ROLES) == []


def test_rules_fire_in_order_and_chain_with_cel() -> None:
    rules = (
        Rule("never", "submitted", "false", "ask"),
        Rule("ask_when_young", "submitted", "age < 18", "ask"),
        Rule("team", "entered:waiting", "case.channel == 'phone'", None, assign_team="phones"),
    )
    w = _workflow(rules)
    fired = run_rules(w, "submitted", "new", {"age": 12}, {"channel": "phone"})
    assert [(f.rule_id, f.target, f.assign_team) for f in fired] == [
        ("ask_when_young", "waiting", None),
        ("team", "waiting", "phones"),
    ]
    assert run_rules(w, "submitted", "new", {"age": 40}, {"channel": "phone"}) == []
    assert run_rules(w, "submitted", "new", {}, {"channel": "phone"}) == []  # unanswered is null: no match


def test_a_cycle_of_rules_stops() -> None:
    rules = (Rule("a", "entered:new", "true", "ask"), Rule("b", "entered:waiting", "true", "reply"))
    fired = run_rules(_workflow(rules), "entered:new", "new", {}, {})
    assert 0 < len(fired) <= 4


# ---- random workflows -----------------------------------------------------------------------------


@st.composite
def workflows(draw: Any) -> Workflow:
    n = draw(st.integers(min_value=1, max_value=6))
    ids = [f"s{i}" for i in range(n)]
    finals = draw(st.sets(st.sampled_from(ids), max_size=max(0, n - 1)))
    states = tuple(State(i, Text(i), final=i in finals) for i in ids)
    transitions = []
    for k in range(draw(st.integers(min_value=0, max_value=10))):
        sources = tuple(draw(st.sets(st.sampled_from(ids), min_size=1, max_size=n)))
        roles = tuple(draw(st.sets(st.sampled_from(ROLES), min_size=1)))
        transitions.append(
            Transition(f"t{k}", sources, draw(st.sampled_from(ids)), Text(f"t{k}"), roles, draw(st.booleans()))
        )
    start = draw(st.sampled_from([i for i in ids if i not in finals] or ids))
    return Workflow(start=start, states=states, transitions=tuple(transitions))


class WorkflowMachine(RuleBasedStateMachine):
    workflow: Workflow
    state: str

    @initialize(workflow=workflows())
    def setup(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.state = workflow.start
        self.was_final = False

    @rule(
        transition=st.one_of(st.sampled_from([f"t{k}" for k in range(10)]), st.text(max_size=3)),
        roles=st.sets(st.sampled_from(ROLES)),
        reason=st.sampled_from(["", "  ", "Because the resident asked"]),
    )
    def take(self, transition: str, roles: set[str], reason: str) -> None:
        before = self.state
        outcome = take_transition(self.workflow, before, transition, roles, reason=reason)
        definition = next((t for t in self.workflow.transitions if t.id == transition), None)
        if isinstance(outcome, Moved):
            # Only a transition the definition has, from the state the case is in, by a role it names.
            assert definition is not None
            assert before in definition.sources
            assert set(definition.roles) & roles
            assert not self.workflow.state(before).final
            assert not definition.requires_reason or reason.strip()
            assert outcome.target == definition.target
            self.state = outcome.target
        else:
            assert self.state == before
            if self.workflow.state(before).final:
                assert outcome.code == "state_final"
            elif definition is None:
                assert outcome.code == "unknown_transition"
            elif not set(definition.roles) & roles and before in definition.sources:
                assert outcome.code == "role_not_allowed"

    @rule(roles=st.sets(st.sampled_from(ROLES)))
    def every_offered_transition_is_allowed(self, roles: set[str]) -> None:
        for transition in available_transitions(self.workflow, self.state, roles):
            outcome = take_transition(self.workflow, self.state, transition.id, roles, reason="checked")
            assert isinstance(outcome, Moved)

    @invariant()
    def final_states_stay_final(self) -> None:
        if not hasattr(self, "workflow"):
            return
        if self.was_final:
            assert self.workflow.state(self.state).final
        self.was_final = self.workflow.state(self.state).final


WorkflowMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestWorkflowMachine = WorkflowMachine.TestCase
