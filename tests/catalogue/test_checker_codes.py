"""One broken definition per checker finding code (TH1xx–TH5xx); the clean one triggers none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.catalogue.test_checker import CLEAN, codes, doc, findings, t
from townhall.catalogue.checker import CODES

Doc = dict[str, Any]


def page(d: Doc, i: int) -> Doc:
    page_doc: Doc = d["pages"][i]
    return page_doc


def question(d: Doc, i: int, j: int) -> Doc:
    q: Doc = d["pages"][i]["questions"][j]
    return q


def wf(d: Doc) -> Doc:
    workflow: Doc = d["workflow"]
    return workflow


def _set(target: Callable[[Doc], Doc], **values: Any) -> Callable[[Doc], None]:
    def mutate(d: Doc) -> None:
        target(d).update(values)

    return mutate


def _group(d: Doc) -> None:
    page(d, 2)["questions"].append(
        {
            "id": "others",
            "type": "group",
            "label": t("Others"),
            "questions": [{"id": "other_name", "type": "text", "label": t("Name")}],
        }
    )
    wf(d)["rules"][1]["when"] = 'other_name == "x"'


def _no_final(d: Doc) -> None:
    for state in wf(d)["states"]:
        state.pop("final", None)


def _stuck_state(d: Doc) -> None:
    wf(d)["states"].append({"id": "limbo", "label": t("Limbo")})
    wf(d)["transitions"].append(
        {"id": "park", "from": ["received"], "to": "limbo", "label": t("Park"), "roles": ["caseworker"]}
    )


def _orphan_state(d: Doc) -> None:
    wf(d)["states"].append({"id": "orphan", "label": t("Orphan"), "final": True})


def _leaving_final(d: Doc) -> None:
    wf(d)["transitions"].append(
        {"id": "reopen", "from": ["active"], "to": "received", "label": t("Reopen"), "roles": ["caseworker"]}
    )


def _dup_question(d: Doc) -> None:
    page(d, 2)["questions"].append({"id": "bins", "type": "text", "label": t("Again")})


def _dup_option(d: Doc) -> None:
    question(d, 0, 1)["options"].append({"value": "small", "label": t("Tiny")})


def _welsh_text(d: Doc) -> None:
    d["languages"] = ["en"]


def _unused_template(d: Doc) -> None:
    d["templates"].append({"id": "spare", "body": t("Spare")})


def _sms_no_subject_email(d: Doc) -> None:
    d["templates"].append({"id": "text-only", "body": t("Hello")})
    d["notifications"].append({"on": "entered:active", "channel": "email", "template": "text-only"})


def _shadowed_rule(d: Doc) -> None:
    wf(d)["rules"][0]["when"] = "bins == null || bins != null"  # holds for every answer, null included
    wf(d)["rules"].append({"id": "never", "on": "submitted", "when": 'size == "large"', "assign_team": "crew"})


CASES: dict[str, tuple[Callable[[Doc], None], str]] = {
    "TH101": (_set(lambda d: page(d, 1), condition="bins >="), "pages[1].condition"),
    "TH102": (_set(lambda d: page(d, 1), condition="binz >= 2"), "pages[1].condition"),
    "TH103": (_set(lambda d: page(d, 1), condition='email == "a@b.c"'), "pages[1].condition"),
    "TH104": (_group, "workflow.rules[1].when"),
    "TH105": (_set(lambda d: page(d, 1), condition="bins.roundUp() >= 2"), "pages[1].condition"),
    "TH106": (_set(lambda d: wf(d)["rules"][0], when="bins > 3 && bins < 3"), "workflow.rules[0].when"),
    "TH107": (_shadowed_rule, "workflow.rules[2]"),
    "TH201": (_set(lambda d: page(d, 1), condition='size == "large" && size == "small"'), "pages[1].condition"),
    "TH202": (
        _set(lambda d: question(d, 2, 1), condition="concession == true && concession == false"),
        "pages[2].questions[1].condition",
    ),
    "TH203": (_set(lambda d: page(d, 2), id="bins"), "pages[2].id"),
    "TH204": (_dup_question, "pages[2].questions[2].id"),
    "TH205": (_dup_option, "pages[0].questions[1].options[2].value"),
    "TH206": (
        _set(lambda d: question(d, 0, 1), options=[{"value": "only", "label": t("Only")}]),
        "pages[0].questions[1]",
    ),
    "TH207": (
        _set(lambda d: question(d, 2, 1), options=[{"value": "a", "label": t("A")}, {"value": "b", "label": t("B")}]),
        "pages[2].questions[1].options",
    ),
    "TH208": (_set(lambda d: question(d, 2, 1), id="today"), "pages[2].questions[1].id"),
    "TH209": (_set(lambda d: question(d, 0, 0), min=5, max=2), "pages[0].questions[0].min"),
    "TH210": (_set(lambda d: question(d, 2, 1), type="group"), "pages[2].questions[1]"),
    "TH211": (_set(lambda d: question(d, 2, 0), max_bytes=100), "pages[2].questions[0]"),
    "TH212": (_set(lambda d: question(d, 2, 0), autocomplete="bday"), "pages[2].questions[0].autocomplete"),
    "TH301": (_set(wf, start="new"), "workflow.start"),
    "TH302": (_orphan_state, "workflow.states[3]"),
    "TH303": (_stuck_state, "workflow.states[3]"),
    "TH304": (_leaving_final, "workflow.transitions[2].from[0]"),
    "TH305": (_set(lambda d: wf(d)["transitions"][0], roles=[]), "workflow.transitions[0].roles"),
    "TH306": (
        _set(lambda d: wf(d)["transitions"][0], roles=["caseworker", "mayor"]),
        "workflow.transitions[0].roles[1]",
    ),
    "TH307": (_set(lambda d: wf(d)["transitions"][1], to="rejected"), "workflow.transitions[1].to"),
    "TH308": (_set(lambda d: wf(d)["rules"][0], transition="approve"), "workflow.rules[0].transition"),
    "TH309": (_set(lambda d: wf(d)["rules"][1], on="entered:nowhere"), "workflow.rules[1].on"),
    "TH310": (_set(lambda d: wf(d)["states"][2], id="active"), "workflow.states[2].id"),
    "TH311": (_set(lambda d: wf(d)["transitions"][1], id="activate"), "workflow.transitions[1].id"),
    "TH312": (_set(lambda d: wf(d)["rules"][1], id="paid"), "workflow.rules[1].id"),
    "TH313": (_no_final, "workflow.states"),
    "TH314": (_set(lambda d: wf(d)["rules"][1], transition="refuse"), "workflow.rules[1].transition"),
    "TH315": (_set(lambda d: wf(d)["transitions"][0], requires_reason=True), "workflow.rules[0].transition"),
    "TH401": (_set(lambda d: page(d, 1), title={"en": "Discount"}), "pages[1].title"),
    "TH402": (_welsh_text, "languages"),
    "TH403": (_set(lambda d: d, languages=["cy"]), "languages"),
    "TH501": (_set(lambda d: d["templates"][0], body=t("((binz)) bins")), "templates[0].body.en"),
    "TH502": (_set(lambda d: d["notifications"][0], template="thank-you"), "notifications[0].template"),
    "TH503": (_set(lambda d: d["notifications"][0], on="transition:nope"), "notifications[0].on"),
    "TH504": (_set(lambda d: d, templates=[*CLEAN["templates"], *CLEAN["templates"]]), "templates[1].id"),
    "TH505": (_sms_no_subject_email, "notifications[1].template"),
    "TH506": (_unused_template, "templates[1]"),
}


def test_every_checker_code_has_a_case() -> None:
    assert set(CASES) == {code for code in CODES if not code.startswith("TH9")}


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_is_reported_at_its_path(code: str) -> None:
    mutate, path = CASES[code]
    document = doc()
    mutate(document)
    found = findings(document, code)
    assert found, f"{code} not reported; got {codes(document)}"
    assert path in {f.path for f in found}
    assert all(f.severity == CODES[code][0] for f in found)
    assert code not in codes(CLEAN)


def test_conditions_about_the_same_page_are_not_yet_asked() -> None:
    document = doc()
    question(document, 0, 1)["condition"] = "bins > 1"
    [finding] = findings(document, "TH103")
    assert "same page" in finding.message
    assert finding.path == "pages[0].questions[1].condition"


def test_unknown_name_suggests_the_close_question() -> None:
    document = doc()
    page(document, 1)["condition"] = "binz >= 2"
    [finding] = findings(document, "TH102")
    assert "Did you mean 'bins'" in finding.message


def test_group_members_are_reached_with_a_macro() -> None:
    document = doc()
    _group(document)
    wf(document)["rules"][1]["when"] = 'others != null && others.exists(m, m.other_name == "x")'
    assert codes(document) == []


def test_reachability_uses_option_values_numbers_and_nulls() -> None:
    document = doc()
    page(document, 1)["condition"] = 'size == "large" && bins > 2'
    assert codes(document) == []
    page(document, 1)["condition"] = "bins > 3"  # max is 3, but the checker tries numbers past it too
    assert codes(document) == []
    page(document, 1)["condition"] = 'size == "huge"'
    assert "TH201" not in codes(document)  # literals are tried as values: not provably unreachable
    page(document, 1)["condition"] = 'size != null && size == "small" && size == "large"'
    assert "TH201" in codes(document)


def test_reserved_names_are_known() -> None:
    document = doc()
    page(document, 1)["condition"] = 'case.channel == "phone" || today > "2026-01-01" || fee_paid'
    assert codes(document) == []


def test_a_rule_that_always_holds_but_cannot_move_the_case_shadows_nothing() -> None:
    document = doc()
    wf(document)["rules"][0]["when"] = "true"
    wf(document)["rules"][0]["transition"] = "refuse"
    wf(document)["transitions"][1]["requires_reason"] = True  # rules cannot give a reason: passed over
    wf(document)["rules"].append({"id": "later", "on": "submitted", "when": "true", "assign_team": "crew"})
    assert "TH107" not in codes(document)
    assert "TH315" in codes(document)


def test_rules_with_conditions_that_can_fail_shadow_nothing() -> None:
    document = doc()
    wf(document)["rules"].append({"id": "later", "on": "submitted", "when": "bins >= 1", "assign_team": "crew"})
    assert codes(document) == []


def test_a_transition_whose_roles_all_do_not_exist_cannot_be_taken() -> None:
    document = doc()
    wf(document)["transitions"][0]["roles"] = ["mayor"]
    assert sorted(codes(document)) == ["TH305", "TH306"]
