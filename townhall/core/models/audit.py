from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from townhall.core.audit_chain import GENESIS
from townhall.core.models.organisations import Organisation


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only")


class AuditChain(models.Model):
    """The head of one organisation's hash chain; locked while an event is appended."""

    key = models.CharField(max_length=64, unique=True)
    last_sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    # The last hash before the latest append. The statement that appends sets it from last_hash, so its
    # RETURNING can hand back the hash its first event follows (PostgreSQL 15 cannot return old values).
    prior_hash = models.CharField(max_length=64, default="", blank=True)

    def __str__(self) -> str:
        return f"{self.key} at {self.last_sequence}"


class AuditEvent(models.Model):
    """One thing that happened: a write, or an access decision. Append-only, hash-chained per organisation.

    ``hash`` = SHA-256 over the previous event's hash and this event's canonical JSON
    (see ``townhall.core.audit_chain``), so changing, removing or reordering any stored
    event breaks every hash after it.
    """

    chain = models.CharField(max_length=64)
    sequence = models.BigIntegerField()
    organisation = models.ForeignKey(  # indexed with occurred_at, in Meta
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events", db_index=False
    )
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence")]
        indexes = [
            models.Index(fields=["organisation", "occurred_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence} {self.action}"
