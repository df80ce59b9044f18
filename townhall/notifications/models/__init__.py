from townhall.notifications.models.inbound import InboundAttachment, InboundMessage, InboundStatus
from townhall.notifications.models.outbox import (
    FINAL_STATUSES,
    Channel,
    Notification,
    NotificationEvent,
    OutboxMessage,
    SenderKind,
    SenderSetting,
    Status,
)

__all__ = [
    "FINAL_STATUSES",
    "Channel",
    "InboundAttachment",
    "InboundMessage",
    "InboundStatus",
    "Notification",
    "NotificationEvent",
    "OutboxMessage",
    "SenderKind",
    "SenderSetting",
    "Status",
]
