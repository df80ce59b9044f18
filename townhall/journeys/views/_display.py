"""Answers in words, for check your answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from markupsafe import Markup

from townhall.catalogue.model import Question, QuestionType


def answer_text(question: Question, value: Any, lang: str) -> str:
    if value is None or value == "" or value == []:
        return _("Not provided")
    kind = question.type
    labels = {o.value: o.label.get(lang) for o in question.options}
    if kind is QuestionType.YES_NO:
        return _("Yes") if value in ("yes", True) else _("No")
    if kind in (QuestionType.RADIOS, QuestionType.SELECT):
        return labels.get(str(value), str(value))
    if kind is QuestionType.CHECKBOXES:
        return "\n".join(labels.get(str(v), str(v)) for v in value)
    if kind is QuestionType.DATE:
        try:
            return date_format(date.fromisoformat(str(value)), "j F Y")
        except ValueError:
            return str(value)
    if kind is QuestionType.MONEY:
        return f"£{float(value):,.2f}"
    if kind is QuestionType.NUMBER:
        return f"{value} {question.unit}" if question.unit else str(value)
    if kind is QuestionType.ADDRESS and isinstance(value, dict):
        return "\n".join(str(value.get(p)) for p in ("line1", "line2", "town", "postcode") if value.get(p))
    if kind is QuestionType.FILE and isinstance(value, dict):
        return str(value.get("name", ""))
    if kind is QuestionType.GROUP and isinstance(value, list):
        return "\n".join(item_summary(question, item, lang) for item in value)
    return str(value)


def summary_value(text: str) -> dict[str, Any]:
    """A summary list value. An answer of several lines (an address, checkboxes, a group's items, a
    textarea) keeps its lines: HTML collapses a newline into a space, so they are joined with <br>."""
    if "\n" not in text:
        return {"text": text}
    return {"html": Markup("<br>").join(text.split("\n"))}


def item_summary(question: Question, item: dict[str, Any], lang: str) -> str:
    """One item of a repeating group in a line: its answers joined."""
    parts = [answer_text(q, item.get(q.id), lang).replace("\n", ", ") for q in question.questions if q.id in item]
    return ", ".join(parts)
