"""A service definition, v1, as plain dataclasses: the contract every other app reads.

No Django here. ``townhall.catalogue.parsing`` turns a YAML/JSON document into these;
``docs/definitions.md`` documents the format and ``schema/v1.json`` is its JSON Schema.

Conditions and rules are CEL expressions. In every expression each question's id is a
variable holding its answer (``null`` when not answered), and these names are reserved:
``case`` (a map: state, channel, received_on, service), ``today`` (an ISO date string) and
``fee_paid`` (bool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

FORMAT_V1 = "townhall/service-definition/v1"
RESERVED_NAMES = frozenset({"case", "today", "fee_paid"})
LANGUAGES = ("en", "cy")


class QuestionType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    MONEY = "money"
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    DATE = "date"
    RADIOS = "radios"
    CHECKBOXES = "checkboxes"
    SELECT = "select"
    YES_NO = "yes_no"
    ADDRESS = "address"
    FILE = "file"
    GROUP = "group"  # a repeating group ("add another"); holds its own questions


CHOICE_TYPES = frozenset({QuestionType.RADIOS, QuestionType.CHECKBOXES, QuestionType.SELECT})

# The HTML autofill tokens a question's ``autocomplete`` may name, by the question types they apply to: the
# browser may fill the answer in with the resident's own details (WCAG 2.2 success criterion 1.3.5). ``off``
# stops a type's own default (a question about someone else's email or phone). A date question's ``bday``
# makes its day, month and year boxes bday-day, bday-month and bday-year.
NAME_TOKENS = frozenset(
    {"name", "honorific-prefix", "given-name", "additional-name", "family-name", "honorific-suffix", "nickname"}
)
AUTOCOMPLETE_TOKENS: dict[QuestionType, frozenset[str]] = {
    QuestionType.TEXT: NAME_TOKENS
    | {
        "off",
        "organization-title",
        "organization",
        "address-line1",
        "address-line2",
        "address-line3",
        "address-level2",
        "address-level1",
        "country-name",
    },
    QuestionType.TEXTAREA: frozenset({"off", "street-address"}),
    QuestionType.EMAIL: frozenset({"off", "email"}),
    QuestionType.PHONE: frozenset({"off", "tel", "tel-national"}),
    QuestionType.POSTCODE: frozenset({"off", "postal-code"}),
    QuestionType.DATE: frozenset({"bday"}),
}


@dataclass(frozen=True)
class Text:
    """Words in English and, optionally, Welsh."""

    en: str
    cy: str = ""

    def get(self, language: str) -> str:
        return (self.cy or self.en) if language == "cy" else self.en


@dataclass(frozen=True)
class Option:
    value: str
    label: Text
    hint: Text | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    label: Text
    hint: Text | None = None
    required: bool = True
    condition: str | None = None  # CEL; the question is asked only when it holds
    options: tuple[Option, ...] = ()  # radios, checkboxes, select
    minimum: float | None = None  # number, money (pounds), group (items)
    maximum: float | None = None
    unit: str | None = None  # number: "kg", "children"
    max_length: int | None = None  # text, textarea
    accept: tuple[str, ...] = ()  # file: MIME types sniffed from content
    max_bytes: int | None = None  # file
    questions: tuple[Question, ...] = ()  # group
    personal: bool = True  # holds personal data (drives sharing and disclosure)
    pii_role: str | None = None  # "name", "email", "phone", "postcode", "address": what the case indexes
    autocomplete: str | None = None  # an HTML autofill token of AUTOCOMPLETE_TOKENS[type]: "bday", "given-name"


@dataclass(frozen=True)
class Page:
    id: str
    title: Text
    questions: tuple[Question, ...]
    condition: str | None = None  # CEL; the page is shown only when it holds
    description: Text | None = None


@dataclass(frozen=True)
class State:
    id: str
    label: Text
    final: bool = False
    waiting_for_resident: bool = False  # the service-level clock pauses here
    description: Text | None = None  # "what happens next", shown to the resident


@dataclass(frozen=True)
class Transition:
    id: str
    sources: tuple[str, ...]  # "from" in the document
    target: str  # "to" in the document
    label: Text
    roles: tuple[str, ...]  # core.roles.Role values allowed to take it
    requires_reason: bool = False


@dataclass(frozen=True)
class Rule:
    """An automatic decision: when ``on`` happens and ``when`` holds, take ``transition``."""

    id: str
    on: str  # "submitted", or "entered:<state id>"
    when: str  # CEL
    transition: str | None = None
    assign_team: str | None = None
    description: Text | None = None


@dataclass(frozen=True)
class Workflow:
    start: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    rules: tuple[Rule, ...] = ()
    service_level_days: int | None = None  # working days from submission to a final state
    default_team: str = ""

    def state(self, state_id: str) -> State:
        return next(s for s in self.states if s.id == state_id)


@dataclass(frozen=True)
class NotificationTrigger:
    on: str  # "submitted", "entered:<state id>", "transition:<transition id>"
    channel: str  # "email" or "sms"
    template: str  # a template id in ``templates``


@dataclass(frozen=True)
class Template:
    id: str
    body: Text
    subject: Text | None = None  # email only


@dataclass(frozen=True)
class Fee:
    amount_pence: int
    description: Text


@dataclass(frozen=True)
class Retention:
    days: int
    action: str = "anonymise"  # or "delete"


@dataclass(frozen=True)
class ServiceDefinition:
    id: str
    version: int
    organisation: str  # the owning organisation's official code
    lgsl: int  # Local Government Service List code
    title: Text
    description: Text
    pages: tuple[Page, ...]
    workflow: Workflow
    retention: Retention
    languages: tuple[str, ...] = ("en",)
    fee: Fee | None = None
    notifications: tuple[NotificationTrigger, ...] = ()
    templates: tuple[Template, ...] = ()
    what_happens_next: Text | None = None
    origin: str | None = None  # "<organisation code>/<definition id>@<version>" when adopted
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def welsh(self) -> bool:
        return "cy" in self.languages

    def all_questions(self) -> list[Question]:
        """Every question, groups' inner questions included, in page order."""
        found: list[Question] = []

        def walk(questions: tuple[Question, ...]) -> None:
            for q in questions:
                found.append(q)
                walk(q.questions)

        for page in self.pages:
            walk(page.questions)
        return found

    def question(self, question_id: str) -> Question:
        return next(q for q in self.all_questions() if q.id == question_id)
