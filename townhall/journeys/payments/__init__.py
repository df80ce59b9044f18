"""Fees through GOV.UK Pay's API behind one Protocol.

``GovUkPayClient`` speaks the documented API (POST /v1/payments, GET /v1/payments/{id}). With
``GOVUK_PAY_API_KEY`` set it calls the real service; without it, it calls the local server in
``townhall.journeys.payments.local`` in-process, which speaks the same API (also served at /_local/pay/).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from django.conf import settings

from townhall.core.errors import TownhallError

GOVUK_PAY_URL = "https://publicapi.payments.service.gov.uk"
FINISHED = {"success", "failed", "cancelled", "error"}


class PaymentUnavailable(TownhallError):
    status = 502
    code = "payment_unavailable"
    title = "The payment service is not available"


@dataclass(frozen=True)
class PaymentState:
    payment_id: str
    status: str  # created, started, submitted, capturable, success, failed, cancelled, error
    next_url: str = ""
    amount: int = 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def succeeded(self) -> bool:
        return self.status == "success"


@runtime_checkable
class PaymentProvider(Protocol):
    def create(
        self, *, amount_pence: int, reference: str, description: str, return_url: str, language: str
    ) -> PaymentState: ...

    def status(self, payment_id: str) -> PaymentState: ...


# A transport takes (method, url, headers, body) and returns (status code, parsed JSON).
Transport = Callable[[str, str, dict[str, str], bytes | None], tuple[int, dict[str, Any]]]


def urllib_transport(method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - https URL from settings
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise PaymentUnavailable(str(error)) from error


class GovUkPayClient:
    def __init__(self, *, api_key: str, base_url: str = GOVUK_PAY_URL, transport: Transport = urllib_transport):
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.transport = transport

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        body = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload).encode()
        status, data = self.transport(method, f"{self.base_url}{path}", headers, body)
        if status >= 400:
            raise PaymentUnavailable(str(data.get("description") or data.get("code") or status))
        return data

    @staticmethod
    def _state(data: dict[str, Any]) -> PaymentState:
        next_url = ((data.get("_links") or {}).get("next_url") or {}).get("href", "")
        return PaymentState(
            payment_id=str(data["payment_id"]),
            status=str((data.get("state") or {}).get("status", "")),
            next_url=next_url,
            amount=int(data.get("amount", 0)),
        )

    def create(
        self, *, amount_pence: int, reference: str, description: str, return_url: str, language: str
    ) -> PaymentState:
        data = self._call(
            "POST",
            "/v1/payments",
            {
                "amount": amount_pence,
                "reference": reference,
                "description": description[:255],
                "return_url": return_url,
                "language": "cy" if language == "cy" else "en",
            },
        )
        return self._state(data)

    def status(self, payment_id: str) -> PaymentState:
        return self._state(self._call("GET", f"/v1/payments/{payment_id}"))


def payment_provider() -> PaymentProvider:
    api_key = getattr(settings, "GOVUK_PAY_API_KEY", "")
    if api_key:
        return GovUkPayClient(api_key=api_key, base_url=getattr(settings, "GOVUK_PAY_URL", GOVUK_PAY_URL))
    from townhall.journeys.payments.local import LOCAL_API_KEY, in_process_transport

    return GovUkPayClient(api_key=LOCAL_API_KEY, base_url="/_local/pay", transport=in_process_transport)
