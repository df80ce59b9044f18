"""GOV.UK Notify through notifications-python-client.

Notify sends templates, so each organisation names one email template whose subject is ((subject)) and
body ((body)), and one text message template whose body is ((body)). Our ``reference`` goes with every
request; before a retry we ask Notify whether it already holds a message with that reference.

Key types (chosen when the key is created in Notify): *test* keys send nothing and fake the outcome,
*team* keys send only to the team and guest list, *live* keys send to anyone. A test key is refused in
production unless ``NOTIFY_ALLOW_TEST_KEY`` is set; a team key's refusal of a recipient is a permanent failure
that says so.
"""

from __future__ import annotations

import re
from typing import Any

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from townhall.notifications.senders.base import (
    OutgoingMessage,
    PermanentFailure,
    ProviderResult,
    TechnicalFailure,
    classify_http_status,
)

NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
KEY_TYPES = ("test", "team", "live")
_KEY = re.compile(r"^[A-Za-z0-9_\-]+-[0-9a-f\-]{36}-[0-9a-f\-]{36}$")


class NotifyConfigurationError(ValueError):
    pass


def check_api_key(api_key: str, key_type: str, *, production: bool, allow_test_key: bool) -> None:
    if not _KEY.match(api_key or ""):
        raise NotifyConfigurationError("The Notify API key is not in the form name-serviceid-secret")
    if key_type not in KEY_TYPES:
        raise NotifyConfigurationError(f"Unknown Notify key type {key_type!r}: use test, team or live")
    if key_type == "test" and production and not allow_test_key:
        raise NotifyConfigurationError("A Notify test key sends nothing: production needs a team or live key")


class NotifySender:
    name = "notify"

    def __init__(
        self,
        *,
        api_key: str,
        email_template_id: str,
        sms_template_id: str,
        key_type: str = "live",
        base_url: str = "",
        timeout: float = 10.0,
    ):
        self.key_type = key_type
        self.email_template_id = email_template_id
        self.sms_template_id = sms_template_id
        self.client = NotificationsAPIClient(api_key, base_url=base_url or NOTIFY_BASE_URL, timeout=timeout)

    def _call(self, func: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = func(**kwargs)
        except APIError as exc:
            status = exc.status_code
            detail = f"Notify {status}: {exc.message}"
            if status == 400 and "team-only" in str(exc.message).lower():
                raise PermanentFailure(
                    f"{detail} (this organisation uses a team key: only team members and the guest list get messages)",
                    status_code=status,
                ) from exc
            if status in (401, 403):
                # A key problem affects every message: retry so nothing is lost while someone fixes the key.
                raise TechnicalFailure(detail, status_code=status) from exc
            raise classify_http_status(status)(detail, status_code=status) from exc
        return response

    def _result(self, response: dict[str, Any]) -> ProviderResult:
        detail = "test key: Notify will not send this" if self.key_type == "test" else ""
        return ProviderResult(provider=self.name, provider_id=str(response["id"]), outcome="accepted", detail=detail)

    def send_email(self, message: OutgoingMessage) -> ProviderResult:
        if not self.email_template_id:
            raise TechnicalFailure("No Notify email template is configured for this organisation")
        response = self._call(
            self.client.send_email_notification,
            email_address=message.to,
            template_id=self.email_template_id,
            personalisation={"subject": message.subject, "body": message.body},
            reference=message.reference,
        )
        return self._result(response)

    def send_sms(self, message: OutgoingMessage) -> ProviderResult:
        if not self.sms_template_id:
            raise TechnicalFailure("No Notify text message template is configured for this organisation")
        response = self._call(
            self.client.send_sms_notification,
            phone_number=message.to,
            template_id=self.sms_template_id,
            personalisation={"body": message.body},
            reference=message.reference,
        )
        return self._result(response)

    def find_by_reference(self, reference: str) -> ProviderResult | None:
        response = self._call(self.client.get_all_notifications, reference=reference)
        found = [n for n in response.get("notifications", []) if n.get("reference") == reference]
        if not found:
            return None
        return self._result(found[0])
