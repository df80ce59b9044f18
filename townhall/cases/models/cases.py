"""Cases: one resident's request to one service, and everything that happened to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel


class Channel(models.TextChoices):
    ONLINE = "online", "Online"
    PHONE = "phone", "Phone"
    FACE_TO_FACE = "face_to_face", "Face to face"
    POST = "post", "Post"
    REFERRAL = "referral", "Referral"


class Case(TimestampedModel):
    """A submission being decided. ``state`` is a state id of the version's workflow.

    The ``*_search`` columns hold normalised copies of the reference, name and postcode
    so that one indexed lookup serves the work queue's search on SQLite and PostgreSQL.
    """

    # No index of its own: every index in Meta starts with the organisation (each one is written per case).
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases", db_index=False)
    version = models.ForeignKey("catalogue.DefinitionVersion", on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=9, unique=True)
    state = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    answers = models.JSONField(default=dict, blank=True)
    resident_email = models.EmailField(blank=True)
    resident_name = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=2, default="en")
    team = models.CharField(max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_cases"
    )
    received_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # Service-level clock: due date in working days, pushed back by the time spent waiting for the resident.
    due_on = models.DateField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Normalised search columns, indexed with the organisation (searches are always within one): the
    # postcode by case_queue_postcode, the name by a trigram index on PostgreSQL (migrations 0005 and 0007).
    name_search = models.CharField(max_length=200, blank=True)
    postcode_search = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "state"]),
            models.Index(fields=["organisation", "team", "received_at"]),
            models.Index(fields=["organisation", "due_on"]),
            # The work queue at a million cases (issue 4, bench/cases_scale_bench.py): its default
            # order, newest first within a service (versions resolved first) or an assignee, and
            # open cases by due date (overdue, "My work").
            models.Index(fields=["organisation", "-received_at", "-id"], name="case_queue_newest"),
            models.Index(fields=["organisation", "version", "-received_at", "-id"], name="case_queue_version"),
            models.Index(fields=["organisation", "assignee", "-received_at", "-id"], name="case_queue_assignee"),
            # assignee and paused_since ride along so "overdue" and "My work" count from the index alone.
            models.Index(
                fields=["organisation", "due_on", "received_at", "id", "assignee", "paused_since"],
                condition=models.Q(decided_at__isnull=True),
                name="case_queue_open_due",
            ),
            # Search by the start of a postcode within the organisation ("DN4 7"): a range of this index
            # (a pattern opclass, so LIKE 'DN47%' can use it on PostgreSQL; SQLite ignores opclasses).
            models.Index(
                fields=["organisation", "postcode_search"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="case_queue_postcode",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    TRANSITION = "transition", "Decision"
    RULE = "rule", "Automatic decision"
    ASSIGNED = "assigned", "Assigned"
    NOTE = "note", "Note"
    LINKED = "linked", "Linked"
    DOCUMENT_ADDED = "document_added", "Document added"
    DOCUMENT_VIEWED = "document_viewed", "Document viewed"
    ESCALATED = "escalated", "Escalated"
    ANONYMISED = "anonymised", "Anonymised"
    REPLY = "reply", "Reply from the resident"
    MESSAGE = "message", "Email to the resident"


class CaseEvent(models.Model):
    """One entry in a case's timeline. Written by services only, never edited."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)  # see Meta
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    from_state = models.CharField(max_length=64, blank=True)
    to_state = models.CharField(max_length=64, blank=True)
    transition = models.CharField(max_length=64, blank=True)
    rule = models.CharField(max_length=64, blank=True)
    text = models.TextField(blank=True)  # a note, or the reason given for a decision
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["case", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseLink(models.Model):
    """Two cases staff have said belong together. Stored once, read from both ends."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "other"], name="case_link_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.other_id}"
