"""Checks of language (TH401–TH403) and of templates and notifications (TH501–TH506). No Django."""

from __future__ import annotations

import difflib
import re

from townhall.catalogue.checker.findings import Report
from townhall.catalogue.checker.walk import duplicates, texts, top_level_questions
from townhall.catalogue.model import ServiceDefinition

# Fields of the case every template may use, besides question ids.
CASE_FIELDS = frozenset(
    {
        "reference",
        "service_name",
        "organisation_name",
        "resident_name",
        "state",
        "due_date",
        "received_on",
        "reason",
        "fee",
    }
)
PLACEHOLDER = re.compile(r"\(\(\s*([^()]*?)\s*\)\)")


def check_language(defn: ServiceDefinition, report: Report) -> None:
    if "en" not in defn.languages:
        report.add("TH403", "Add 'en' to languages: every service is offered in English.", "languages")
    welsh_given = 0
    for path, text in texts(defn):
        if defn.welsh and not text.cy.strip():
            report.add("TH401", f"Welsh text (cy) is missing for: {text.en[:60]!r}", path)
        welsh_given += bool(text.cy)
    if not defn.welsh and welsh_given:
        report.add("TH402", f"{welsh_given} texts have Welsh, but 'cy' is not in languages.", "languages")


def check_templates(defn: ServiceDefinition, report: Report) -> None:
    allowed = set(top_level_questions(defn)) | CASE_FIELDS
    templates = {t.id: t for t in defn.templates}
    for i, template_id in duplicates([t.id for t in defn.templates]):
        report.add("TH504", f"The template id '{template_id}' is used twice.", f"templates[{i}].id")
    for i, template in enumerate(defn.templates):
        parts = [("body", template.body)] + ([("subject", template.subject)] if template.subject else [])
        for field_name, text in parts:
            for language, words in (("en", text.en), ("cy", text.cy)):
                for name in dict.fromkeys(PLACEHOLDER.findall(words)):
                    if name not in allowed:
                        close = difflib.get_close_matches(name, sorted(allowed), n=1)
                        hint = f" Did you mean '{close[0]}'?" if close else ""
                        report.add(
                            "TH501",
                            f"(({name})) is not a question id or a case field.{hint}",
                            f"templates[{i}].{field_name}.{language}",
                        )
    states = {s.id for s in defn.workflow.states}
    transitions = {t.id for t in defn.workflow.transitions}
    used: set[str] = set()
    for i, trigger in enumerate(defn.notifications):
        path = f"notifications[{i}]"
        kind, _, name = trigger.on.partition(":")
        if not (
            trigger.on == "submitted"
            or (kind == "entered" and name in states)
            or (kind == "transition" and name in transitions)
        ):
            report.add(
                "TH503",
                f"'{trigger.on}' is not 'submitted', 'entered:<state id>' or 'transition:<transition id>' "
                "of this workflow.",
                f"{path}.on",
            )
        used.add(trigger.template)
        if trigger.template not in templates:
            report.add("TH502", f"There is no template '{trigger.template}'.", f"{path}.template")
        elif trigger.channel == "email" and templates[trigger.template].subject is None:
            report.add(
                "TH505", f"Emails need a subject: give the template '{trigger.template}' one.", f"{path}.template"
            )
    for i, template in enumerate(defn.templates):
        if template.id not in used:
            report.add("TH506", f"No notification uses the template '{template.id}'.", f"templates[{i}]")
