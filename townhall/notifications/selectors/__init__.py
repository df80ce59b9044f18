"""Reads on notifications, scoped by organisation and actor. Cases use these for the case timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.notifications.models import (
    InboundMessage,
    InboundStatus,
    Notification,
    NotificationEvent,
    OutboxMessage,
    SenderSetting,
)


def notification_list_for_case(
    *, organisation: Organisation, actor: Any, case_reference: str
) -> QuerySet[Notification]:
    """The case's messages, oldest first, each with its events prefetched (``notification.events.all()``)."""
    require(actor, organisation, Permission.VIEW_CASES)
    return (
        Notification.objects.filter(organisation=organisation, case_reference=case_reference)
        .prefetch_related(Prefetch("events", queryset=NotificationEvent.objects.order_by("occurred_at", "pk")))
        .order_by("created_at", "pk")
    )


def notification_events_for_case(
    *, organisation: Organisation, actor: Any, case_reference: str
) -> QuerySet[NotificationEvent]:
    """Every status change of the case's messages, for merging into the case timeline."""
    require(actor, organisation, Permission.VIEW_CASES)
    return (
        NotificationEvent.objects.filter(
            notification__organisation=organisation, notification__case_reference=case_reference
        )
        .select_related("notification")
        .order_by("occurred_at", "pk")
    )


def notification_get(*, organisation: Organisation, actor: Any, notification_id: int) -> Notification:
    require(actor, organisation, Permission.VIEW_CASES)
    notification = Notification.objects.filter(organisation=organisation, pk=notification_id).first()
    if notification is None:
        raise NotFound("No such notification", code="notification_not_found")
    return notification


def inbound_list_for_case(*, organisation: Organisation, actor: Any, case_reference: str) -> QuerySet[InboundMessage]:
    require(actor, organisation, Permission.VIEW_CASES)
    return (
        InboundMessage.objects.filter(organisation=organisation, case_reference=case_reference)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def inbound_triage_list(*, organisation: Organisation, actor: Any) -> QuerySet[InboundMessage]:
    """Mail waiting for a person: unmatched, or held because it looked unsafe."""
    require(actor, organisation, Permission.WORK_CASES)
    return (
        InboundMessage.objects.filter(organisation=organisation, status=InboundStatus.TRIAGE)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def outbox_list(*, organisation: Organisation, actor: Any) -> QuerySet[OutboxMessage]:
    """What the local sender kept instead of sending (developers, demo)."""
    require(actor, organisation, Permission.VIEW_CASES)
    return OutboxMessage.objects.filter(notification__organisation=organisation).order_by("-sent_at", "-pk")


def inbound_unrouted_list(*, actor: Any) -> QuerySet[InboundMessage]:
    """Mail that matched no organisation at all: only platform admins can see it to route it."""
    from townhall.core.errors import PermissionDenied
    from townhall.core.permissions import is_platform_admin

    if not is_platform_admin(actor):
        raise PermissionDenied("Only a platform admin can see mail that matched no organisation")
    return InboundMessage.objects.filter(organisation__isnull=True, status=InboundStatus.TRIAGE).order_by("created_at")


def sender_setting_get(*, organisation: Organisation, actor: Any) -> SenderSetting:
    """The organisation's sender setting; an unsaved one with the platform default when it has none."""
    from townhall.notifications import config

    require(actor, organisation, Permission.MANAGE_ORGANISATION)
    found = SenderSetting.objects.filter(organisation=organisation).first()
    return found or SenderSetting(organisation=organisation, sender=config.default_sender())
