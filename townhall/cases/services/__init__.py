"""Writes on cases. Each is keyword-only, runs in one transaction and records one audit event."""

from townhall.cases.services.assignment import case_assign, case_assign_bulk
from townhall.cases.services.decisions import case_transition
from townhall.cases.services.documents import document_open, document_upload
from townhall.cases.services.escalation import case_escalate, cases_escalate_overdue
from townhall.cases.services.messages import case_email_resident
from townhall.cases.services.notes import case_link, case_note_add
from townhall.cases.services.opening import case_open
from townhall.cases.services.retention import cases_retention

__all__ = [
    "case_assign",
    "case_assign_bulk",
    "case_email_resident",
    "case_escalate",
    "case_link",
    "case_note_add",
    "case_open",
    "case_transition",
    "cases_escalate_overdue",
    "cases_retention",
    "document_open",
    "document_upload",
]
