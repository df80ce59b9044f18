"""The one import point for background tasks, so the backend can change in one place."""

from django_tasks import task

__all__ = ["task"]
