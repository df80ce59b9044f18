"""Save and return, fees through the GOV.UK Pay API, and "your applications"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from tests.journeys.conftest import HERE
from tests.journeys.test_pages import BASE, GOOD_PAGES, answer_all, start
from townhall.cases.models import Case
from townhall.catalogue.services.definitions import definition_import
from townhall.journeys.models import JourneySession, LocalPayment, Submission
from townhall.journeys.services.sessions import RESUME_SALT
from townhall.notifications.models import Notification


def link_in(body: str) -> str:
    found = re.search(r"https?://\S+", body)
    assert found
    return found.group(0).replace("http://testserver", "")


@pytest.mark.django_db
def test_save_and_return_resumes_where_they_stopped_on_another_device(client: Client, everything: Any) -> None:
    start(client)
    for page_id, data in GOOD_PAGES[:3]:
        client.post(f"{BASE}{page_id}/", data)
    page = client.post(f"{BASE}save/", {"email": "bad"}).content.decode()
    assert "Enter an email address in the correct format" in page and 'value="bad"' in page
    page = client.post(f"{BASE}save/", {"email": "ada@example.com"}).content.decode()
    assert "Check your email" in page
    email = Notification.objects.get(kind="journey_save_and_return")
    assert email.to == "ada@example.com" and "28 days" in email.body
    other_device = Client()
    response = other_device.get(link_in(email.body))
    assert response["Location"].endswith(f"{BASE}about/")
    page = other_device.get(f"{BASE}home/").content.decode()
    assert 'value="1 Meadow Lane"' in page


@pytest.mark.django_db
def test_resume_links_expire_and_cannot_be_forged(client: Client, everything: Any, settings: Any) -> None:
    journey = JourneySession.objects.create(
        token="t" * 43, organisation=everything.organisation, version=everything, answers={}
    )
    forged = signing.dumps({"t": journey.token}, salt="something-else")
    assert client.get(f"/resume/{forged}/").status_code == 404
    good = signing.dumps({"t": journey.token}, salt=RESUME_SALT, compress=True)
    assert client.get(f"/resume/{good}/").status_code == 302
    settings.JOURNEY_RESUME_DAYS = 0
    import time

    time.sleep(1.1)
    assert client.get(f"/resume/{good}/").status_code == 404


@pytest.fixture
def paid_form(district: Any) -> Any:
    source = (HERE / "all_types.yaml").read_text().replace("id: everything-form", "id: paid-form", 1)
    source += "fee:\n  amount_pence: 2500\n  description: {en: Processing fee, cy: Ffi prosesu}\n"
    return definition_import(actor=None, organisation=district, source=source, filename="paid.yaml", publish=True)


def to_check_answers(client: Client) -> None:
    client.post("/services/mid-downs/paid-form/")
    for page_id, data in GOOD_PAGES:
        client.post(f"/services/mid-downs/paid-form/{page_id}/", data)
    client.post("/services/mid-downs/paid-form/household/add/", {"person_name": "C", "person_age": "4"})
    client.post("/services/mid-downs/paid-form/household/", {"add_another": "no"})
    client.post("/services/mid-downs/paid-form/evidence/", {})
    client.post("/services/mid-downs/paid-form/notes/", {})


@pytest.mark.django_db
def test_fee_is_paid_through_the_pay_api_before_submission(client: Client, paid_form: Any) -> None:
    to_check_answers(client)
    page = client.get("/services/mid-downs/paid-form/check-answers/").content.decode()
    assert "Accept and pay" in page and "£25.00" in page
    response = client.post("/services/mid-downs/paid-form/check-answers/", {"declaration": "yes"})
    card_url = response["Location"]
    assert card_url.startswith("/_local/pay/card/")
    assert Submission.objects.count() == 0
    payment = LocalPayment.objects.get()
    assert payment.amount == 2500 and payment.return_url.endswith("/paid-form/payment/return/")
    # The resident cancels: nothing is submitted, answers are kept.
    response = client.post(card_url, {"action": "cancel"})
    page = client.get(response["Location"]).content.decode()
    assert "Your payment was not completed" in page and Submission.objects.count() == 0
    # They try again and pay.
    response = client.post("/services/mid-downs/paid-form/check-answers/", {"declaration": "yes"})
    assert "Amount to pay" in client.get(response["Location"]).content.decode()
    response = client.post(response["Location"], {"action": "pay"})
    response = client.get(response["Location"])
    assert response["Location"].endswith("/paid-form/confirmation/")
    submission = Submission.objects.get()
    assert submission.payment_id == LocalPayment.objects.get(status="success").payment_id
    assert Case.objects.get().reference == submission.reference


@pytest.mark.django_db
def test_your_applications_by_a_confirmed_email(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    reference = Submission.objects.get().reference
    other = Client()
    page = other.get("/your-applications/").content.decode()
    assert "Enter the email address you used" in page
    # An address with no applications is told the same, and nothing is sent.
    assert "Check your email" in other.post("/your-applications/", {"email": "nobody@example.com"}).content.decode()
    assert not Notification.objects.filter(kind="journey_applications_link").exists()
    other.post("/your-applications/", {"email": "ADA@example.com"})
    email = Notification.objects.get(kind="journey_applications_link")
    response = other.get(link_in(email.body))
    assert response["Location"] == "/your-applications/"
    page = other.get("/your-applications/").content.decode()
    assert reference in page and "Everything form" in page and "Received" in page
    assert "We will look at your form within 5 working days." in page
    assert other.get("/your-applications/not-a-signed-value/").status_code == 404
