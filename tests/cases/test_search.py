"""The work queue's search: a reference, part of a name, or the start of a postcode, each where it can be one."""

from __future__ import annotations

import pytest

from townhall.cases.selectors import CaseFilters, case_list
from townhall.cases.selectors.cases import POSTCODE_START
from townhall.core.roles import Role


@pytest.mark.parametrize(
    "typed, could_be_postcode",
    [
        ("LS", True),
        ("LS1", True),
        ("LS115", True),
        ("SW1A1AA", True),
        ("M11AE", True),
        ("DN12", True),
        ("SMIT", False),  # four letters: a postcode has a digit by the third character
        ("12", False),  # a postcode starts with letters
        ("LS1155XX", False),  # too long
    ],
)
def test_what_could_be_the_start_of_a_postcode(typed: str, could_be_postcode: bool) -> None:
    assert bool(POSTCODE_START.fullmatch(typed)) is could_be_postcode


def test_search_by_surname_part_postcode_sector_and_reference(county, open_case, make_staff) -> None:
    gwen = open_case(full_name="Gwen Smith", postcode="DN1 2AB")
    ali = open_case(full_name="Ali Khan", postcode="DN9 9ZZ", receives_pip=True, age=20)
    dewi = open_case(full_name="Dewi Lewis", postcode="LS11 5TT")
    actor = make_staff(county, Role.CASEWORKER)

    def found(q: str) -> set[str]:
        return set(case_list(organisation=county, actor=actor, filters=CaseFilters(q=q)).values_list("pk", flat=True))

    assert found("Smit") == {gwen.pk}
    assert found("  LEW ") == {dewi.pk}
    assert found("dn1 2") == {gwen.pk}  # a postcode sector
    assert found("DN9") == {ali.pk}  # a postcode district
    assert found("ls115tt") == {dewi.pk}  # a whole postcode, typed without its space
    assert found("dn") == {gwen.pk, ali.pk}  # two letters may be an area or part of a name
    assert found("al") == {ali.pk}  # "Ali": no postcode starts AL here
    assert found(ali.reference.replace("-", " ").lower()) == {ali.pk}
    assert found("12") == set()  # digits alone are not a name, a postcode or a reference
    assert found("Smith 2") == set()  # a name has no digits
