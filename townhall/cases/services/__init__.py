"""Writes on cases. Each is keyword-only, runs in one transaction and records one audit event."""

from townhall.cases.services.assignment import case_assign, case_assign_bulk
from townhall.cases.services.decisions import case_transition
from townhall.cases.services.notes import case_link, case_note_add
from townhall.cases.services.opening import case_open

__all__ = ["case_assign", "case_assign_bulk", "case_link", "case_note_add", "case_open", "case_transition"]
