"""Each external system behind a Protocol: the implementations meet it, and the local ones behave like the real."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from townhall.journeys.addresses import AddressLookup, LocalGazetteer, address_lookup
from townhall.journeys.payments import GovUkPayClient, PaymentProvider, PaymentUnavailable, payment_provider
from townhall.journeys.payments.local import LOCAL_API_KEY


def test_local_gazetteer_meets_the_protocol_and_ships_a_few_hundred_addresses() -> None:
    gazetteer = LocalGazetteer()
    assert isinstance(gazetteer, AddressLookup)
    assert isinstance(address_lookup(), AddressLookup)
    assert len(gazetteer.by_uprn) >= 300
    found = gazetteer.find("md11ab")
    assert found and all(a.postcode == "MD1 1AB" for a in found)
    assert gazetteer.get(found[0].uprn) == found[0]
    assert gazetteer.find("MD9 9ZZ") == []


def test_pay_clients_meet_the_protocol() -> None:
    assert isinstance(GovUkPayClient(api_key="x"), PaymentProvider)
    assert isinstance(payment_provider(), PaymentProvider)


def test_the_real_endpoint_is_used_when_a_key_is_set(settings: Any) -> None:
    settings.GOVUK_PAY_API_KEY = "api_test_123"
    provider = payment_provider()
    assert isinstance(provider, GovUkPayClient)
    assert provider.base_url == "https://publicapi.payments.service.gov.uk"
    assert provider.api_key == "api_test_123"


def client_transport(client: Client) -> Any:
    """The local server over real HTTP requests (the test client), as GOV.UK Pay's API is called."""

    def transport(method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, dict[str, Any]]:
        if method == "POST":
            response = client.post(url, data=body, content_type="application/json", headers=headers)
        else:
            response = client.get(url, headers=headers)
        return response.status_code, response.json()

    return transport


@pytest.mark.django_db
def test_local_server_speaks_the_govuk_pay_api(client: Client) -> None:
    pay = GovUkPayClient(api_key=LOCAL_API_KEY, base_url="/_local/pay", transport=client_transport(client))
    created = pay.create(
        amount_pence=3500, reference="TH-1", description="Bulky waste", return_url="https://x/return", language="en"
    )
    assert created.status == "created" and created.next_url.startswith("/_local/pay/card/")
    assert pay.status(created.payment_id).status == "created"
    client.get(created.next_url)
    assert pay.status(created.payment_id).status == "started"
    response = client.post(created.next_url, {"action": "pay"})
    assert response["Location"] == "https://x/return"
    state = pay.status(created.payment_id)
    assert state.succeeded and state.finished and state.amount == 3500


@pytest.mark.django_db
def test_local_server_checks_the_key_and_the_body(client: Client) -> None:
    response = client.post("/_local/pay/v1/payments", data="{}", content_type="application/json")
    assert response.status_code == 401
    auth = {"Authorization": f"Bearer {LOCAL_API_KEY}"}
    response = client.post(
        "/_local/pay/v1/payments", data=json.dumps({"amount": 1}), content_type="application/json", headers=auth
    )
    assert response.status_code == 400 and response.json()["code"] == "P0101"
    assert client.get("/_local/pay/v1/payments/nope", headers=auth).status_code == 404
    pay = GovUkPayClient(api_key="wrong", base_url="/_local/pay", transport=client_transport(client))
    with pytest.raises(PaymentUnavailable):
        pay.status("nope")


@pytest.mark.django_db
def test_in_process_transport_is_the_default_without_a_key() -> None:
    provider = payment_provider()
    created = provider.create(amount_pence=100, reference="r", description="d", return_url="/r", language="cy")
    assert provider.status(created.payment_id).status == "created"
