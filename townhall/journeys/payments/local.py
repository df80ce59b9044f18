"""A local server that speaks GOV.UK Pay's public API, for the demo and the tests.

Served at /_local/pay/ (``v1/payments`` and ``v1/payments/<id>`` as JSON, and a card page the
resident is sent to as ``next_url``). ``in_process_transport`` calls the same views without a socket.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.test import RequestFactory
from django.urls import path, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from townhall.journeys.models import LocalPayment

LOCAL_API_KEY = "local-pay-key"  # the local server's only key; it holds no money
PREFIX = "/_local/pay"


def _authorised(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "") == f"Bearer {LOCAL_API_KEY}"


def _document(request: HttpRequest | None, payment: LocalPayment) -> dict[str, Any]:
    finished = payment.status in {"success", "failed", "cancelled", "error"}
    next_url = f"{PREFIX}/card/{payment.payment_id}/"
    data: dict[str, Any] = {
        "payment_id": payment.payment_id,
        "amount": payment.amount,
        "reference": payment.reference,
        "description": payment.description,
        "return_url": payment.return_url,
        "language": payment.language,
        "state": {"status": payment.status, "finished": finished},
        "_links": {"self": {"href": f"{PREFIX}/v1/payments/{payment.payment_id}", "method": "GET"}},
    }
    if not finished:
        data["_links"]["next_url"] = {"href": next_url, "method": "GET"}
    if payment.status == "failed":
        data["state"].update({"code": "P0030", "message": "Payment was cancelled by the user"})
    return data


def _error(status: int, code: str, description: str) -> JsonResponse:
    return JsonResponse({"code": code, "description": description}, status=status)


@csrf_exempt
@require_http_methods(["POST"])
def payments_create(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        return _error(401, "P0920", "Credentials are required to access this service")
    try:
        body = json.loads(request.body or b"{}")
        amount = int(body["amount"])
        reference = str(body["reference"])
        description = str(body["description"])
        return_url = str(body["return_url"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "P0101", "Missing mandatory attribute: amount, reference, description or return_url")
    if amount < 1 or amount > 10_000_000:
        return _error(422, "P0102", "Invalid attribute value: amount. Must be between 1 and 10000000")
    payment = LocalPayment.objects.create(
        payment_id=secrets.token_hex(13),
        amount=amount,
        reference=reference[:255],
        description=description[:255],
        return_url=return_url,
        language="cy" if body.get("language") == "cy" else "en",
    )
    return JsonResponse(_document(request, payment), status=201)


@require_http_methods(["GET"])
def payments_status(request: HttpRequest, payment_id: str) -> HttpResponse:
    if not _authorised(request):
        return _error(401, "P0920", "Credentials are required to access this service")
    payment = LocalPayment.objects.filter(payment_id=payment_id).first()
    if payment is None:
        return _error(404, "P0200", "Not found")
    return JsonResponse(_document(request, payment))


@require_http_methods(["GET", "POST"])
def card_page(request: HttpRequest, payment_id: str) -> HttpResponse:
    """Where ``next_url`` leads: the resident pays (or cancels) and is sent to ``return_url``."""
    payment = get_object_or_404(LocalPayment, payment_id=payment_id)
    if payment.status in {"success", "failed", "cancelled"}:
        return HttpResponseRedirect(payment.return_url)
    if request.method == "POST":
        payment.status = "success" if request.POST.get("action") == "pay" else "failed"
        payment.save(update_fields=["status", "updated_at"])
        return HttpResponseRedirect(payment.return_url)
    if payment.status == "created":
        payment.status = "started"
        payment.save(update_fields=["status", "updated_at"])
    return render(
        request,
        "journeys/local_pay.html",
        {"payment": payment, "amount": f"£{payment.amount / 100:.2f}", "title": _("Pay for your application")},
    )


urlpatterns = [
    path("v1/payments", payments_create, name="local-pay-create"),
    path("v1/payments/<str:payment_id>", payments_status, name="local-pay-status"),
    path("card/<str:payment_id>/", card_page, name="local-pay-card"),
]


def in_process_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, Any]]:
    """Call the local server's views directly, as an HTTP client would, without a socket."""
    factory = RequestFactory()
    sent = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if method == "POST":
        request = factory.post(url, data=body or b"", content_type="application/json", headers=sent)
    else:
        request = factory.get(url, headers=sent)
    match = resolve(url.removeprefix(PREFIX), urlconf=__name__)
    response = match.func(request, *match.args, **match.kwargs)
    return response.status_code, json.loads(response.content or b"{}")
