"""What the checker reports: ``Finding`` and the registry of stable finding codes. No Django.

The codes are documented in docs/definitions.md ("Finding codes"); a test keeps the two in step.
TH1xx CEL · TH2xx pages and questions · TH3xx workflow · TH4xx language · TH5xx templates and
notifications · TH9xx syntax and schema (raised by ``parsing`` as FieldErrors, reported by the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from townhall.catalogue.schema import line_for

ERROR = "error"
WARNING = "warning"

# code → (severity, what it means)
CODES: dict[str, tuple[str, str]] = {
    "TH101": (ERROR, "A CEL expression does not compile."),
    "TH102": (ERROR, "A CEL expression names something that is not a question id or a reserved name."),
    "TH103": (ERROR, "A condition refers to a question that is not asked before it (same or a later page)."),
    "TH104": (ERROR, "A CEL expression names a question inside a repeating group directly."),
    "TH105": (ERROR, "A CEL expression calls a function the platform does not provide."),
    "TH106": (WARNING, "A rule's condition holds for no set of answers, so the rule never applies."),
    "TH107": (WARNING, "A rule comes after a rule on the same event that always applies, so it never applies."),
    "TH201": (ERROR, "No set of answers reaches this page: its condition is always false."),
    "TH202": (ERROR, "No set of answers reaches this question: its condition is always false."),
    "TH203": (ERROR, "Two pages have the same id."),
    "TH204": (ERROR, "Two questions in the definition have the same id."),
    "TH205": (ERROR, "Two options of one question have the same value."),
    "TH206": (ERROR, "A radios, checkboxes or select question has fewer than two options."),
    "TH207": (WARNING, "Options are given to a question that is not radios, checkboxes or select."),
    "TH208": (ERROR, "A question id is a reserved name (case, today, fee_paid)."),
    "TH209": (ERROR, "A question's min is greater than its max."),
    "TH210": (ERROR, "A group has no questions, or a question that is not a group has inner questions."),
    "TH211": (WARNING, "A field is set on a question type that does not use it."),
    "TH212": (ERROR, "A question's autocomplete token does not apply to its type."),
    "TH301": (ERROR, "The workflow's start state is not one of its states."),
    "TH302": (ERROR, "A state cannot be reached from the start state through transitions."),
    "TH303": (ERROR, "No path of transitions leads from this state to a final state."),
    "TH304": (ERROR, "A final state has outgoing transitions."),
    "TH305": (ERROR, "No role may take this transition (its roles are empty, or none of them exists)."),
    "TH306": (ERROR, "A transition names a role the platform does not have."),
    "TH307": (ERROR, "A transition goes from or to a state that is not defined."),
    "TH308": (ERROR, "A rule names a transition that is not defined."),
    "TH309": (ERROR, "A rule's 'on' is not 'submitted' or 'entered:<state id>' of a defined state."),
    "TH310": (ERROR, "Two states have the same id."),
    "TH311": (ERROR, "Two transitions have the same id."),
    "TH312": (ERROR, "Two rules have the same id."),
    "TH313": (ERROR, "The workflow has no final state."),
    "TH314": (ERROR, "A rule's transition cannot be taken from the state the rule runs in."),
    "TH315": (ERROR, "A rule names a transition that requires a reason, which a rule cannot give."),
    "TH401": (ERROR, "Welsh text (cy) is missing while the definition offers Welsh."),
    "TH402": (WARNING, "Welsh text is given but 'cy' is not in languages, so residents never see it."),
    "TH403": (ERROR, "'en' is not in languages: every definition is offered in English."),
    "TH501": (ERROR, "A template placeholder is not a question id or a case field."),
    "TH502": (ERROR, "A notification names a template that is not defined."),
    "TH503": (ERROR, "A notification's 'on' names an unknown state or transition, or an unknown event."),
    "TH504": (ERROR, "Two templates have the same id."),
    "TH505": (ERROR, "An email notification uses a template with no subject."),
    "TH506": (WARNING, "A template is not used by any notification."),
    "TH900": (ERROR, "The file cannot be read."),
    "TH901": (ERROR, "The file is not valid YAML or JSON."),
    "TH902": (ERROR, "The file is larger than the platform accepts."),
    "TH903": (ERROR, "A value has the wrong type (or the document is not a mapping, or a key is not text)."),
    "TH904": (ERROR, "Unknown field."),
    "TH905": (ERROR, "A required field is missing."),
    "TH906": (ERROR, "Unknown question type."),
    "TH907": (ERROR, "The format is not townhall/service-definition/v1."),
    "TH908": (ERROR, "A value is not allowed (pattern, range, length or choice)."),
    "TH909": (ERROR, "The file is not UTF-8 text."),
    "TH910": (ERROR, "A field appears twice in one mapping."),
    "TH911": (ERROR, "YAML anchors, aliases and explicit tags are not allowed."),
}


@dataclass(frozen=True)
class Finding:
    """One problem the checker found. ``path`` is a JSON path into the document; ``line`` is 1-based."""

    code: str
    severity: str  # "error" | "warning"
    message: str
    path: str = ""
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
        }


@dataclass
class Report:
    """Collects findings for one definition, filling in each one's severity and line."""

    lines: Mapping[str, int] | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, message: str, path: str = "") -> None:
        severity = CODES[code][0]
        self.findings.append(Finding(code, severity, message, path, line_for(path, self.lines)))
