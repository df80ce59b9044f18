"""Writes on notifications. ``notification_queue`` and ``render_template`` are the contract other apps use."""

from townhall.notifications.services.outbox import notification_queue, render_template

__all__ = ["notification_queue", "render_template"]
