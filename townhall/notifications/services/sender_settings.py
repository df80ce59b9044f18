"""An organisation admin chooses how its messages leave the platform: local outbox, SMTP relay or GOV.UK Notify.

Secrets never reach the database: for Notify the admin names the environment variable that holds the key,
and the key is checked (form and key type) before the setting is saved, so a bad key is found here and not
by the delivery worker.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.notifications import config
from townhall.notifications.models import SenderKind, SenderSetting
from townhall.notifications.senders.notify import KEY_TYPES, NotifyConfigurationError, check_api_key

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")
FIELDS = (
    "sender",
    "email_from",
    "notify_api_key_env",
    "notify_key_type",
    "notify_base_url",
    "notify_email_template_id",
    "notify_sms_template_id",
)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _problems(values: dict[str, str]) -> list[FieldError]:
    errors: list[FieldError] = []
    if values["sender"] not in SenderKind.values:
        errors.append(FieldError("sender_invalid", "Choose how messages are sent", "sender"))
    if values["email_from"]:
        try:
            validate_email(values["email_from"])
        except DjangoValidationError:
            errors.append(
                FieldError("email_from_invalid", "Enter the from address like council@example.gov.uk", "email_from")
            )
    elif values["sender"] == SenderKind.SMTP:
        errors.append(FieldError("email_from_required", "Enter the address emails are sent from", "email_from"))
    if values["sender"] != SenderKind.NOTIFY:
        return errors
    env = values["notify_api_key_env"]
    if not _ENV_NAME.match(env):
        errors.append(
            FieldError(
                "notify_key_env_invalid",
                "Enter the name of the environment variable, like NOTIFY_API_KEY",
                "notify_api_key_env",
            )
        )
    elif not os.environ.get(env):
        errors.append(FieldError("notify_key_env_unset", f"{env} is not set on this server", "notify_api_key_env"))
    else:
        try:
            check_api_key(
                os.environ[env],
                values["notify_key_type"],
                production=bool(getattr(settings, "PRODUCTION", False)),
                allow_test_key=bool(config.get("NOTIFY_ALLOW_TEST_KEY", False)),
            )
        except NotifyConfigurationError as exc:
            errors.append(FieldError("notify_key_invalid", str(exc), "notify_api_key_env"))
    if values["notify_key_type"] not in KEY_TYPES:
        errors.append(
            FieldError("notify_key_type_invalid", "Choose the key type: test, team or live", "notify_key_type")
        )
    for field, label in (("notify_email_template_id", "email"), ("notify_sms_template_id", "text message")):
        if not _is_uuid(values[field]):
            errors.append(FieldError(f"{field}_invalid", f"Enter the Notify {label} template ID from Notify", field))
    if values["notify_base_url"]:
        try:
            URLValidator(schemes=["https", "http"])(values["notify_base_url"])
        except DjangoValidationError:
            errors.append(
                FieldError(
                    "notify_base_url_invalid",
                    "Enter a web address, or leave it empty for Notify's own",
                    "notify_base_url",
                )
            )
    return errors


def sender_setting_save(*, organisation: Organisation, actor: Any, **submitted: str) -> SenderSetting:
    """Save the organisation's sender. All or nothing: any problem leaves the setting as it was."""
    require(actor, organisation, Permission.MANAGE_ORGANISATION)
    values = {field: str(submitted.get(field, "") or "").strip() for field in FIELDS}
    values["notify_key_type"] = values["notify_key_type"] or "test"
    errors = _problems(values)
    if errors:
        raise ValidationFailed(errors[0].message, code=errors[0].code, errors=errors)
    with transaction.atomic():
        setting, _ = SenderSetting.objects.select_for_update().get_or_create(organisation=organisation)
        before = {field: getattr(setting, field) for field in FIELDS}
        for field, value in values.items():
            setattr(setting, field, value)
        setting.save()
        audit_record(
            organisation=organisation,
            actor=actor,
            action="notifications.sender_saved",
            object_type="sender_setting",
            object_id=setting.pk,
            data={"changed": sorted(f for f in FIELDS if before[f] != values[f]), "sender": values["sender"]},
        )
    return setting
