"""CEL checks (TH101–TH106) and reachability of pages and questions (TH201, TH202). No Django."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from townhall.catalogue.cel_env import FUNCTIONS, CelCompileError, compile_condition, free_variables
from townhall.catalogue.checker.findings import Report
from townhall.catalogue.checker.reach import always_holds, can_hold
from townhall.catalogue.checker.walk import placed_questions, top_level_questions
from townhall.catalogue.model import RESERVED_NAMES, ServiceDefinition

# Functions CEL provides natively (macros such as has/all/exists/map/filter are not functions).
BUILTIN_FUNCTIONS = frozenset(
    {
        "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bytes",
        "bool", "timestamp", "duration", "dyn", "type", "exists_one", "getFullYear", "getMonth", "getDate",
        "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours", "getMinutes", "getSeconds",
        "getMilliseconds",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Expression:
    """One CEL expression in the definition: where it is and what it guards."""

    expr: str
    path: str
    kind: str  # "page", "question" or "rule"
    page: int | None = None  # the page it belongs to (pages and questions)


def expressions(defn: ServiceDefinition) -> list[Expression]:
    found = [
        Expression(p.condition, f"pages[{i}].condition", "page", i) for i, p in enumerate(defn.pages) if p.condition
    ]
    found += [
        Expression(pl.question.condition, f"{pl.path}.condition", "question", pl.page)
        for pl in placed_questions(defn)
        if pl.question.condition
    ]
    found += [Expression(r.when, f"workflow.rules[{i}].when", "rule") for i, r in enumerate(defn.workflow.rules)]
    return found


def _is_operator(name: str) -> bool:
    return not name[:1].isalpha()


def check_conditions(defn: ServiceDefinition, report: Report) -> None:
    top = top_level_questions(defn)
    inner = {pl.question.id: pl for pl in placed_questions(defn) if pl.group is not None}
    questions = {qid: placed.question for qid, placed in top.items()}
    known = set(top) | RESERVED_NAMES
    unconditional: set[str] = set()  # paths of rule conditions that hold for every answer
    for item in expressions(defn):
        try:
            program = compile_condition(item.expr)
        except CelCompileError as exc:
            report.add("TH101", f"This expression is not valid CEL: {exc}", item.path)
            continue
        names = set(free_variables(item.expr))
        sound = True
        for name in sorted(names - known):
            sound = False
            if name in inner:
                group = inner[name].group
                group_id = group.id if group else "?"
                report.add(
                    "TH104",
                    f"'{name}' is inside the repeating group '{group_id}'; "
                    f"write {group_id}.exists(m, m.{name} ...) instead.",
                    item.path,
                )
            else:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                report.add("TH102", f"'{name}' is not a question id or a reserved name.{hint}", item.path)
        for function in sorted(set(program.functions()) - BUILTIN_FUNCTIONS - set(FUNCTIONS)):
            if not _is_operator(function):
                sound = False
                report.add("TH105", f"The function '{function}' is not available in conditions.", item.path)
        if item.page is not None:
            for name in sorted(names & set(top)):
                asked_on = top[name].page
                if asked_on >= item.page:
                    where = "the same page" if asked_on == item.page else "a later page"
                    report.add(
                        "TH103",
                        f"'{name}' is asked on {where} ('{defn.pages[asked_on].id}'), so it has no answer yet here.",
                        item.path,
                    )
                    sound = False
        if sound:
            _check_reachable(defn, item, names, questions, report)
            if item.kind == "rule" and always_holds(item.expr, names, defn, questions):
                unconditional.add(item.path)
    _check_shadowed_rules(defn, unconditional, report)


def _check_shadowed_rules(defn: ServiceDefinition, unconditional: set[str], report: Report) -> None:
    """For each event the first rule whose ``when`` holds applies: rules after one that always applies never do."""
    wf = defn.workflow
    transitions = {t.id: t for t in wf.transitions}
    shadowing: dict[str, str] = {}  # event → id of the rule that always applies
    for i, rule in enumerate(wf.rules):
        if rule.on in shadowing:
            report.add(
                "TH107",
                f"The rule '{shadowing[rule.on]}' always applies on '{rule.on}' and comes first, "
                f"so '{rule.id}' never does.",
                f"workflow.rules[{i}]",
            )
            continue
        runs_in = wf.start if rule.on == "submitted" else rule.on.removeprefix("entered:")
        transition = transitions.get(rule.transition) if rule.transition else None
        takes_effect = rule.transition is None or (
            transition is not None and runs_in in transition.sources and not transition.requires_reason
        )
        if f"workflow.rules[{i}].when" in unconditional and takes_effect:
            shadowing[rule.on] = rule.id


def _check_reachable(
    defn: ServiceDefinition, item: Expression, names: set[str], questions: dict, report: Report
) -> None:
    if can_hold(item.expr, names, defn, questions) is not False:
        return
    if item.kind == "page":
        report.add("TH201", f"No set of answers makes '{item.expr}' true, so no one reaches this page.", item.path)
    elif item.kind == "question":
        report.add("TH202", f"No set of answers makes '{item.expr}' true, so this question is never asked.", item.path)
    else:
        report.add("TH106", f"No set of answers makes '{item.expr}' true, so this rule never applies.", item.path)
