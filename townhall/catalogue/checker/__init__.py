"""Static checks of a service definition: ``check_definition(defn, lines=...) -> list[Finding]``. No Django.

Every finding has a stable code (``findings.CODES``, documented in docs/definitions.md), a severity,
the JSON path into the document and, when ``lines`` (path → line, from ``parsing``) is given, the line.
"""

from __future__ import annotations

from collections.abc import Mapping

from townhall.catalogue.checker.conditions import check_conditions
from townhall.catalogue.checker.content import CASE_FIELDS, check_language, check_templates
from townhall.catalogue.checker.findings import CODES, ERROR, WARNING, Finding, Report
from townhall.catalogue.checker.questions import check_questions
from townhall.catalogue.checker.workflow import check_workflow
from townhall.catalogue.model import ServiceDefinition

__all__ = ["CASE_FIELDS", "CODES", "ERROR", "WARNING", "Finding", "check_definition", "has_errors"]


def check_definition(defn: ServiceDefinition, *, lines: Mapping[str, int] | None = None) -> list[Finding]:
    """Every problem found in ``defn``, in source order (then by code)."""
    report = Report(lines=lines)
    check_questions(defn, report)
    check_conditions(defn, report)
    check_workflow(defn, report)
    check_language(defn, report)
    check_templates(defn, report)
    return sorted(report.findings, key=lambda f: (f.line or 0, f.path, f.code))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
