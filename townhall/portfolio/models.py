"""Investment programmes, their initiatives and named scenarios, stored per organisation.

The optimiser (``townhall.portfolio.optimiser``) never sees these rows: selectors turn them into its
dataclasses. Yearly amounts are JSON lists of numbers; ``requires``/``excludes`` hold initiative codes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel
from townhall.portfolio.optimiser.model import Category, Lock, Objective


class Programme(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    horizon_years = models.PositiveSmallIntegerField()
    capital_budget = models.JSONField(null=True, blank=True)
    revenue_budget = models.JSONField(null=True, blank=True)
    fte_capacity = models.JSONField(null=True, blank=True)
    discount_rate = models.FloatField(default=0.035)
    objective = models.CharField(
        max_length=16, choices=[(o.value, o.value) for o in Objective], default=Objective.MAX_NPV.value
    )
    appraisal_years = models.PositiveSmallIntegerField(null=True, blank=True)
    target_baseline = models.FloatField(null=True, blank=True)
    target_fraction = models.FloatField(null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(null=True, blank=True)
    target_risk_adjusted = models.BooleanField(default=True)
    requires_finish = models.BooleanField(default=False)
    budgets_include_uplift = models.BooleanField(default=False)
    mip_rel_gap = models.FloatField(default=1e-4)
    time_limit = models.FloatField(default=60.0)
    starts_on = models.DateField(null=True, blank=True)  # the first day of year 1 (for benefits realisation)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="portfolio_programme_slug")]

    def __str__(self) -> str:
        return self.name


class Initiative(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="initiatives")
    code = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=40, choices=[(c.value, c.value) for c in Category])
    duration = models.PositiveSmallIntegerField(default=1)
    earliest_start = models.PositiveSmallIntegerField(default=1)
    latest_start = models.PositiveSmallIntegerField(null=True, blank=True)
    capex = models.JSONField(default=list)
    opex = models.JSONField(default=list)
    savings = models.JSONField(default=list)
    fte = models.JSONField(default=list)
    probability = models.FloatField(default=1.0)
    optimism_bias_upper = models.FloatField(default=2.0)
    mitigation = models.FloatField(default=0.0)
    requires = models.JSONField(default=list)
    excludes = models.JSONField(default=list)
    option_group = models.CharField(max_length=80, blank=True)
    locked = models.CharField(max_length=3, choices=[(k.value, k.value) for k in Lock], blank=True)
    services = models.JSONField(default=list)  # slugs of the organisation's services it is linked to
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="portfolio_initiative_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class Scenario(models.Model):
    """A named, immutable change to a programme: never edited, only created (and compared)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=120)
    budget_cut = models.FloatField(default=0.0)
    target_change = models.FloatField(default=0.0)
    savings_change = models.FloatField(default=0.0)
    cost_change = models.FloatField(default=0.0)
    staff_cut = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="portfolio_scenario_name")]

    def __str__(self) -> str:
        return self.name


class RunKind(models.TextChoices):
    PLAN = "plan", "Plan"
    SENSITIVITY = "sensitivity", "Sensitivity"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Run(models.Model):
    """One solve of a programme, as planned (no scenario) or under a stored scenario, or a sensitivity study.

    ``result`` holds the plan (or the sensitivity) as JSON, written once when the run finishes.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="runs")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")
    kind = models.CharField(max_length=12, choices=RunKind.choices, default=RunKind.PLAN)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    runs = models.PositiveIntegerField(default=0)  # sensitivity: how many re-solves
    seed = models.IntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    inputs_digest = models.CharField(max_length=64, blank=True)  # of the programme as solved: shows staleness
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class StatusUpdate(models.Model):
    """A red, amber or green status for an initiative in flight, with a note. Appended, never edited."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="status_updates")
    rag = models.CharField(max_length=5, choices=Rag.choices)
    note = models.TextField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.rag}"
