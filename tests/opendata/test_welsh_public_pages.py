"""Residents can use the public pages in Welsh: open data, the register of agreements, the SAR answer, error pages.

Each test reads the page in English first, so that an English string missing from the Welsh page is known to be
translated rather than gone from the template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.sharing.conftest import resident_case  # noqa: F401
from townhall.sharing.services.rights import rights_request_record, subject_access_gather

pytestmark = pytest.mark.django_db

INDEX = "/open-data/"
DATASET = "/open-data/downshire/service-performance/"
REGISTER = "/sharing/register/"


def read(client: Client, url: str, *, welsh: bool, status: int = 200, method: str = "get") -> str:
    """The page as text (entities such as &#39; unescaped), checked to be in the language asked for."""
    if welsh:
        client.cookies["django_language"] = "cy"
    response = getattr(client, method)(url)
    assert response.status_code == status
    html = unescape(response.content.decode())
    assert f'<html lang="{"cy" if welsh else "en"}"' in html
    return html


def assert_translated(english: str, welsh: str, pairs: list[tuple[str, str]]) -> None:
    for en, cy in pairs:
        assert en in english, f"{en!r} is not on the English page"
        assert cy not in english, f"{cy!r} is on the English page"
        assert cy in welsh, f"{cy!r} is not on the Welsh page"
        assert en not in welsh, f"{en!r} is still in English on the Welsh page"


def test_the_open_data_index_in_welsh(published: Any) -> None:
    english = read(Client(), INDEX, welsh=False)
    welsh = read(Client(), INDEX, welsh=True)
    assert_translated(
        english,
        welsh,
        [
            (
                "The councils and partners on Townhall publish data about their services by default",
                "Mae'r cynghorau a'r partneriaid ar Townhall yn cyhoeddi data am eu gwasanaethau yn ddiofyn",
            ),
            ("Small counts are withheld", "Caiff niferoedd bach eu dal yn ôl"),
            ("Catalogue of datasets (DCAT, JSON-LD)", "Catalog o setiau data (DCAT, JSON-LD)"),
            ("Catalogue of datasets (DCAT, Turtle)", "Catalog o setiau data (DCAT, Turtle)"),
            ("open data is under", "mae'r data agored o dan"),
            ("First rows of Service performance by month", "Rhesi cyntaf Service performance by month"),
            ('aria-label="withheld or not available"', 'aria-label="wedi\'i ddal yn ôl neu ddim ar gael"'),
            (">CSVW metadata<", ">Metadata CSVW<"),
            (">Frictionless data package<", ">Pecyn data Frictionless<"),
        ],
    )
    rows = published["service-performance"].row_count
    assert f"{rows} rows" in english and f"{rows} rhes" in welsh
    assert not re.search(r"\d rows\b", welsh)


def test_a_published_dataset_page_in_welsh(published: Any) -> None:
    english = read(Client(), DATASET, welsh=False)
    welsh = read(Client(), DATASET, welsh=True)
    assert_translated(
        english,
        welsh,
        [
            (">Newest version<", ">Fersiwn diweddaraf<"),
            (">Licence<", ">Trwydded<"),
            (">Disclosure control<", ">Rheoli datgelu<"),
            (
                "Counts under 10 are withheld, with further counts where needed",
                "Caiff niferoedd o dan 10 eu dal yn ôl, ynghyd â niferoedd eraill lle bo angen",
            ),
            ("rounded to the nearest 5.", "talgrynnu i'r 5 agosaf."),
            (">Download<", ">Lawrlwytho<"),
            ("First rows of version 1", "Rhesi cyntaf fersiwn 1"),
            (">Change log<", ">Cofnod newidiadau<"),
            ("Every version of this dataset", "Pob fersiwn o'r set ddata hon"),
            (">Version<", ">Fersiwn<"),
            (">Published<", ">Cyhoeddwyd<"),
            (">Downloads<", ">Lawrlwythiadau<"),
        ],
    )


def test_the_public_register_of_agreements_in_welsh(agreement: Any) -> None:
    english = read(Client(), REGISTER, welsh=False)
    welsh = read(Client(), REGISTER, welsh=True)
    assert agreement.code in welsh
    assert_translated(
        english,
        welsh,
        [
            ("<title>Register of data-sharing agreements", "<title>Cofrestr cytundebau rhannu data"),
            ("The agreements in force under which councils", "Y cytundebau sydd mewn grym y mae cynghorau"),
            (
                "This register holds no personal data. It is also published as open data:",
                "Nid yw'r gofrestr hon yn cynnwys unrhyw ddata personol. Caiff ei chyhoeddi hefyd fel data agored:",
            ),
            (">Parties<", ">Partïon<"),
            (", receives data)", ", yn derbyn data)"),
            (">Purposes<", ">Dibenion<"),
            (">Lawful basis<", ">Sail gyfreithlon<"),
            (">Information shared<", ">Gwybodaeth a rennir<"),
            (">In force<", ">Mewn grym<"),
            # Dates are in Welsh too, joined by the translated "to" and "review by".
            ("1 January 2026 to 31 December 2028", "1 Ionawr 2026 i 31 Rhagfyr 2028"),
            ("(review by 30 June 2027)", "(adolygu erbyn 30 Mehefin 2027)"),
            (">Kept by recipients for<", ">Cedwir gan y derbynwyr am<"),
            ("365 days", "365 diwrnod"),
        ],
    )


def test_an_empty_register_says_so_in_welsh(db: Any) -> None:
    english = read(Client(), REGISTER, welsh=False)
    welsh = read(Client(), REGISTER, welsh=True)
    assert_translated(english, welsh, [("No agreements are in force.", "Nid oes unrhyw gytundebau mewn grym.")])


def test_a_missing_dataset_is_a_404_page_in_welsh(published: Any) -> None:
    url = "/open-data/downshire/no-such-dataset/"
    english = read(Client(), url, welsh=False, status=404)
    welsh = read(Client(), url, welsh=True, status=404)
    assert_translated(
        english,
        welsh,
        [
            ("<title>Page not found", "<title>Heb ddod o hyd i'r dudalen"),
            ("If you typed the web address, check it is correct.", "Os gwnaethoch deipio'r cyfeiriad gwe"),
            ("Find a local service", "Dod o hyd i wasanaeth lleol"),
        ],
    )


@pytest.fixture
def rate_limited() -> Iterator[None]:
    cache.clear()
    with override_settings(RATELIMIT_ENABLE=True, RATELIMIT_RESIDENT_POST="1/m"):
        yield
    cache.clear()


def test_too_many_form_posts_is_a_429_page_in_welsh(db: Any, rate_limited: None) -> None:
    form = "/services/mid-downs/report-missed-bin/"  # the limit is checked before the view runs
    pages = {}
    for welsh, address in ((False, "198.51.100.1"), (True, "198.51.100.2")):
        client = Client(REMOTE_ADDR=address)
        assert client.post(form).status_code != 429
        pages[welsh] = read(client, form, welsh=welsh, status=429, method="post")
    assert_translated(
        pages[False],
        pages[True],
        [
            (
                "We have had too many requests from your connection in a short time.",
                "Rydym wedi cael gormod o geisiadau o'ch cysylltiad mewn amser byr.",
            ),
            (
                "Wait a minute, then go back and try again.",
                "Arhoswch funud, yna ewch yn ôl a rhowch gynnig arall arni.",
            ),
        ],
    )


def test_the_subject_access_answer_in_welsh(
    county: Any,
    county_admin: Any,
    resident_case: Any,  # noqa: F811
    verified_client: Any,
) -> None:
    request = rights_request_record(
        actor=county_admin, organisation=county, kind="subject_access", resident_email="gwen@example.test"
    )
    subject_access_gather(actor=county_admin, request=request)
    url = f"/staff/rights/{county.slug}/{request.reference}/"
    english = read(verified_client(county_admin), url, welsh=False)
    welsh = read(verified_client(county_admin), url, welsh=True)
    assert resident_case.reference in welsh
    assert_translated(
        english,
        welsh,
        [
            ("<title>Information we hold about you", "<title>Gwybodaeth rydym yn ei chadw amdanoch"),
            (
                "This is everything the organisations on Townhall hold about gwen@example.test, gathered on",
                "Dyma bopeth y mae'r sefydliadau ar Townhall yn ei gadw am gwen@example.test, a gasglwyd ar",
            ),
            ("and a record of who asked to see it.", "a chofnod o bwy a ofynnodd am ei weld."),
            ("Your applications and requests", "Eich ceisiadau a'ch ymholiadau"),
            (">Received<", ">Derbyniwyd<"),
            (">Where it has got to<", ">Y cam y mae wedi'i gyrraedd<"),
            ("Messages we sent you", "Negeseuon rydym wedi'u hanfon atoch"),
            ("Who your information was shared with", "Gyda phwy y rhannwyd eich gwybodaeth"),
            ("Who looked at your information", "Pwy edrychodd ar eich gwybodaeth"),
            (">Access log<", ">Cofnod mynediad<"),
            (">Why<", ">Pam<"),
            (">What they were given<", ">Beth a roddwyd iddynt<"),
        ],
    )
