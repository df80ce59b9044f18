"""Cleaning one answer to one question: the single set of rules the pages and the API share.

Input arrives as a flat mapping of field names to strings (``<id>``, ``<id>-day``, ``<id>-line1``...),
which is what a form posts; the API turns its JSON into the same mapping with ``fields_from_value`` so
both give the same error codes. Messages follow the GOV.UK Design System's wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from townhall.catalogue.model import CHOICE_TYPES, Question, QuestionType

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKPSTUW]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")
PHONE_ALLOWED = re.compile(r"^[0-9+()\-\s.]+$")
YES_NO = ("yes", "no")
ADDRESS_PARTS = ("line1", "line2", "town", "postcode", "uprn")


@dataclass(frozen=True)
class AnswerError:
    """One problem with one answer. ``field`` is the id of the input the error summary links to."""

    question_id: str
    field: str
    code: str
    message: str


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    if len(compact) > 3:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _number(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt(value: float) -> str:
    return f"{value:g}"


class _Cleaner:
    def __init__(self, question: Question, data: Mapping[str, Any]):
        self.q = question
        self.data = data
        self.errors: list[AnswerError] = []

    def fail(self, code: str, message: str, field: str | None = None) -> None:
        self.errors.append(AnswerError(self.q.id, field or self.q.id, code, message))

    def clean(self) -> Any:
        handler = getattr(self, f"clean_{self.q.type.value}")
        return handler()

    # --- free text -------------------------------------------------------------------------
    def _required_text(self, message: str) -> str | None:
        raw = _text(self.data, self.q.id)
        if not raw:
            if self.q.required:
                self.fail("required", message)
            return None
        return raw

    def clean_text(self) -> Any:
        raw = self._required_text(_("Enter your answer"))
        if raw is None:
            return None
        if self.q.max_length and len(raw) > self.q.max_length:
            self.fail("too_long", _("Your answer must be %(n)s characters or less") % {"n": self.q.max_length})
        return raw

    def clean_textarea(self) -> Any:
        return self.clean_text()

    def clean_email(self) -> Any:
        raw = self._required_text(_("Enter an email address"))
        if raw is None:
            return None
        if not EMAIL_RE.match(raw) or len(raw) > 254:
            self.fail("invalid_email", _("Enter an email address in the correct format, like name@example.com"))
        return raw

    def clean_phone(self) -> Any:
        raw = self._required_text(_("Enter a telephone number"))
        if raw is None:
            return None
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("+44") or raw.startswith("0044"):
            digits = "0" + digits.removeprefix("00")[2:]
        if not PHONE_ALLOWED.match(raw) or not (digits.startswith("0") and len(digits) in (10, 11)):
            self.fail(
                "invalid_phone",
                _("Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"),
            )
            return raw
        return digits

    def clean_postcode(self) -> Any:
        raw = self._required_text(_("Enter a postcode"))
        if raw is None:
            return None
        normalised = normalise_postcode(raw)
        if not POSTCODE_RE.match(normalised):
            self.fail("invalid_postcode", _("Enter a full UK postcode"))
            return raw
        return normalised

    # --- numbers ---------------------------------------------------------------------------
    def _bounds(self, value: Decimal, shown: str) -> None:
        q = self.q
        if q.minimum is not None and value < Decimal(str(q.minimum)):
            self.fail("too_small", _("%(what)s must be %(min)s or more") % {"what": shown, "min": _fmt(q.minimum)})
        elif q.maximum is not None and value > Decimal(str(q.maximum)):
            self.fail("too_large", _("%(what)s must be %(max)s or less") % {"what": shown, "max": _fmt(q.maximum)})

    def clean_number(self) -> Any:
        raw = self._required_text(_("Enter a number"))
        if raw is None:
            return None
        value = _number(raw)
        if value is None:
            self.fail("not_a_number", _("Your answer must be a number"))
            return raw
        self._bounds(value, _("Your answer"))
        return _json_number(value)

    def clean_money(self) -> Any:
        raw = self._required_text(_("Enter an amount"))
        if raw is None:
            return None
        value = _number(raw.lstrip("£").strip())
        if value is None:
            self.fail("not_a_number", _("Amount must be a number, like 5 or 5.50"))
            return raw
        if value.as_tuple().exponent < -2:  # type: ignore[operator]
            self.fail("too_precise", _("Amount must be in pounds and pence, like 5 or 5.50"))
            return raw
        self._bounds(value, _("Amount"))
        return float(value.quantize(Decimal("0.01")))

    # --- dates -----------------------------------------------------------------------------
    def clean_date(self) -> Any:
        parts = {p: _text(self.data, f"{self.q.id}-{p}") for p in ("day", "month", "year")}
        missing = [p for p, v in parts.items() if not v]
        if len(missing) == 3:
            if self.q.required:
                self.fail("required", _("Enter a date"), f"{self.q.id}-day")
            return None
        names = {"day": _("a day"), "month": _("a month"), "year": _("a year")}
        if missing:
            self.fail(
                "date_incomplete",
                _("Date must include %(parts)s") % {"parts": _(" and ").join(str(names[p]) for p in missing)},
                f"{self.q.id}-{missing[0]}",
            )
            return None
        try:
            value = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            self.fail("invalid_date", _("Date must be a real date"), f"{self.q.id}-day")
            return None
        if len(parts["year"]) != 4:
            self.fail("invalid_date", _("Year must include 4 numbers"), f"{self.q.id}-year")
            return None
        return value.isoformat()

    # --- choices ---------------------------------------------------------------------------
    def _allowed(self) -> tuple[str, ...]:
        if self.q.type is QuestionType.YES_NO:
            return YES_NO
        return tuple(o.value for o in self.q.options)

    def clean_radios(self) -> Any:
        raw = _text(self.data, self.q.id)
        if not raw:
            if self.q.required:
                self.fail("required", _("Select an option"))
            return None
        if raw not in self._allowed():
            self.fail("invalid_choice", _("Select an option from the list"))
            return None
        return raw

    def clean_select(self) -> Any:
        return self.clean_radios()

    def clean_yes_no(self) -> Any:
        raw = _text(self.data, self.q.id)
        if not raw:
            if self.q.required:
                self.fail("required", _("Select yes or no"))
            return None
        if raw.lower() not in (*YES_NO, "true", "false"):
            self.fail("invalid_choice", _("Select yes or no"))
            return None
        return raw.lower() in ("yes", "true")  # CEL conditions compare yes/no answers with true and false

    def clean_checkboxes(self) -> Any:
        value = self.data.get(self.q.id) or []
        chosen = [str(v) for v in (value if isinstance(value, list | tuple) else [value]) if str(v)]
        if not chosen:
            if self.q.required:
                self.fail("required", _("Select at least one option"))
            return None
        if any(v not in self._allowed() for v in chosen):
            self.fail("invalid_choice", _("Select options from the list"))
            return None
        return [v for v in self._allowed() if v in chosen]

    # --- addresses, files, groups ----------------------------------------------------------
    def clean_address(self) -> Any:
        parts = {p: _text(self.data, f"{self.q.id}-{p}") for p in ADDRESS_PARTS}
        if parts["uprn"]:
            from townhall.journeys.addresses import address_lookup

            found = address_lookup().get(parts["uprn"])
            if found is None and not parts["line1"]:
                self.fail("unknown_uprn", _("Select an address from the list"), f"{self.q.id}-uprn")
                return None
            if found is not None and parts["line1"] in ("", found.line1):
                return found.as_answer()
            parts["uprn"] = ""  # typed by hand: no longer the listed address
        if not any(parts[p] for p in ("line1", "line2", "town", "postcode")):
            if self.q.required:
                self.fail(
                    "required", _("Enter address line 1, typically the building and street"), f"{self.q.id}-line1"
                )
            return None
        if not parts["line1"]:
            self.fail("required", _("Enter address line 1, typically the building and street"), f"{self.q.id}-line1")
        if not parts["town"]:
            self.fail("required", _("Enter town or city"), f"{self.q.id}-town")
        if not parts["postcode"]:
            self.fail("required", _("Enter postcode"), f"{self.q.id}-postcode")
        elif not POSTCODE_RE.match(normalise_postcode(parts["postcode"])):
            self.fail("invalid_postcode", _("Enter a full UK postcode"), f"{self.q.id}-postcode")
        else:
            parts["postcode"] = normalise_postcode(parts["postcode"])
        return parts

    def clean_file(self) -> Any:
        """A file answer is the stored upload's description; checks on the bytes happen on upload."""
        value = self.data.get(self.q.id)
        if not value:
            if self.q.required:
                self.fail("required", _("Select a file"))
            return None
        if not isinstance(value, Mapping) or not value.get("upload"):
            self.fail("invalid_file", _("Select a file"))
            return None
        return dict(value)

    def clean_group(self) -> Any:
        value = self.data.get(self.q.id) or []
        if not isinstance(value, list):
            self.fail("invalid_group", _("Add at least one"))
            return None
        items = [item for item in value if isinstance(item, Mapping)]
        if self.q.required and not items:
            self.fail("required", _("Add at least one"))
            return None
        if self.q.minimum is not None and len(items) < self.q.minimum:
            self.fail("too_few", _("Add at least %(n)s") % {"n": _fmt(self.q.minimum)})
        if self.q.maximum is not None and len(items) > self.q.maximum:
            self.fail("too_many", _("You can add up to %(n)s") % {"n": _fmt(self.q.maximum)})
        cleaned: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            values, errors = clean_questions(self.q.questions, fields_from_values(self.q.questions, dict(item)))
            for e in errors:
                self.errors.append(
                    AnswerError(self.q.id, f"{self.q.id}-{index}-{e.field}", e.code, f"{index + 1}: {e.message}")
                )
            cleaned.append(values)
        return cleaned or None


def clean_answer(question: Question, data: Mapping[str, Any]) -> tuple[Any, list[AnswerError]]:
    """The cleaned answer (None when left blank) and any errors, in field order."""
    cleaner = _Cleaner(question, data)
    value = cleaner.clean()
    return value, cleaner.errors


def clean_questions(
    questions: tuple[Question, ...], data: Mapping[str, Any]
) -> tuple[dict[str, Any], list[AnswerError]]:
    answers: dict[str, Any] = {}
    errors: list[AnswerError] = []
    for question in questions:
        value, problems = clean_answer(question, data)
        errors.extend(problems)
        if value is not None:
            answers[question.id] = value
    return answers, errors


def fields_from_value(question: Question, value: Any) -> dict[str, Any]:
    """A stored (or API JSON) answer as the fields a form would post: the inverse of ``clean_answer``."""
    qid = question.id
    if value is None:
        return {}
    kind = question.type
    if kind is QuestionType.DATE:
        if isinstance(value, Mapping):
            return {f"{qid}-{p}": str(value.get(p, "") or "") for p in ("day", "month", "year")}
        match = re.match(r"^(\d{1,4})-(\d{1,2})-(\d{1,2})$", str(value))
        if not match:
            return {f"{qid}-day": str(value), f"{qid}-month": "", f"{qid}-year": "x"}
        year, month, day = match.groups()
        return {f"{qid}-day": day.lstrip("0") or "0", f"{qid}-month": month.lstrip("0") or "0", f"{qid}-year": year}
    if kind is QuestionType.ADDRESS:
        if not isinstance(value, Mapping):
            return {f"{qid}-line1": str(value)}
        return {f"{qid}-{p}": str(value.get(p, "") or "") for p in ADDRESS_PARTS}
    if kind is QuestionType.CHECKBOXES:
        return {qid: [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]}
    if kind in (QuestionType.FILE, QuestionType.GROUP):
        return {qid: value}
    if kind is QuestionType.YES_NO and isinstance(value, bool):
        return {qid: "yes" if value else "no"}
    if kind is QuestionType.MONEY and isinstance(value, float):
        return {qid: f"{value:.2f}"}
    if isinstance(value, Mapping | list):
        return {qid: "\x00invalid"}
    return {qid: str(value)}


def fields_from_values(questions: tuple[Question, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for question in questions:
        fields.update(fields_from_value(question, values.get(question.id)))
    return fields


def is_choice(question: Question) -> bool:
    return question.type in CHOICE_TYPES or question.type is QuestionType.YES_NO
