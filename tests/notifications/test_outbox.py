from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from townhall.core.errors import ValidationFailed
from townhall.notifications.models import Notification, NotificationEvent, OutboxMessage, Status
from townhall.notifications.services import notification_queue, render_template


def test_render_template_fills_placeholders() -> None:
    assert render_template("Hello ((name)), case ((ref))", {"name": "Ann", "ref": "HX7K-9M3T"}) == (
        "Hello Ann, case HX7K-9M3T"
    )


def test_render_template_names_missing_placeholders() -> None:
    with pytest.raises(ValidationFailed) as info:
        render_template("Hello ((name)), case ((ref))", {"name": "Ann"})
    assert info.value.code == "missing_personalisation"
    assert [e.path for e in info.value.errors] == ["ref"]


def test_queue_writes_row_and_delivers_after_commit(
    district: Any, deliver_due: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_queue(
            organisation=district,
            channel="email",
            to="ann@example.test",
            subject="Received",
            body="Thanks",
            case_reference="HX7K-9M3T",
            kind="submitted",
        )
    assert callbacks == []  # the row is the hand-off: no task, no other after-commit work
    assert not DBTaskResult.objects.exists()
    assert notification.status == Status.CREATED
    assert notification.reference.startswith("th-")
    assert deliver_due() == {notification.pk: Status.DELIVERED}
    notification.refresh_from_db()
    assert notification.provider == "local"
    assert notification.attempts == 1
    assert OutboxMessage.objects.get(notification=notification).body == "Thanks"
    assert list(NotificationEvent.objects.filter(notification=notification).values_list("status", flat=True)) == [
        "created",
        "sending",
        "delivered",
    ]


def test_queue_inside_rolled_back_transaction_leaves_nothing(
    district: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notification_queue(organisation=district, channel="sms", to="07700 900123", body="Hello")
                raise RuntimeError("the caller's write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()


def test_queue_rejects_bad_recipient(district: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        notification_queue(organisation=district, channel="sms", to="not a phone", body="x")
    assert info.value.code == "invalid_recipient"
    with pytest.raises(ValidationFailed):
        notification_queue(organisation=district, channel="email", to="nobody", subject="s", body="x")


def test_sms_number_normalised(district: Any) -> None:
    n = notification_queue(organisation=district, channel="sms", to="07700 900123", body="Hi")
    assert n.to == "+447700900123"


def test_send_after_is_honoured(district: Any, deliver_due: Any) -> None:
    later = timezone.now() + timedelta(hours=2)
    n = notification_queue(
        organisation=district, channel="email", to="a@example.test", subject="s", body="b", send_after=later
    )
    assert n.next_attempt_at == later
    assert deliver_due() == {}
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
    assert deliver_due() == {n.pk: Status.DELIVERED}


def test_sms_in_quiet_hours_waits_until_morning(district: Any, settings: Any) -> None:
    # 22:30 London time in winter is 22:30 UTC; texts wait until 08:00.
    year = timezone.now().year + 1
    evening = datetime(year, 1, 15, 22, 30, tzinfo=UTC)
    n = notification_queue(organisation=district, channel="sms", to="07700900123", body="Hi", send_after=evening)
    assert n.next_attempt_at == datetime(year, 1, 16, 8, 0, tzinfo=UTC)
    email = notification_queue(
        organisation=district, channel="email", to="a@example.test", subject="s", body="b", send_after=evening
    )
    assert email.next_attempt_at == evening


def test_scheduled_message_waits_for_its_time(district: Any, deliver_due: Any) -> None:
    later = timezone.now() + timedelta(hours=1)
    n = notification_queue(
        organisation=district, channel="email", to="a@example.test", subject="s", body="b", send_after=later
    )
    assert n.next_attempt_at == later
    assert deliver_due() == {}  # not due yet: no worker takes it before its time
    n.refresh_from_db()
    assert n.status == Status.CREATED and n.attempts == 0
