"""Insight's own records: unit costs per channel where an organisation does not use the Socitm defaults,
and the month summaries the nightly rebuild keeps.

Whether an organisation is benchmarked against others is ``Organisation.benchmarking_opt_in`` (core).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel


class UnitCostSetting(TimestampedModel):
    """Costs in pounds of one transaction on each channel; a blank field means the default."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="unit_cost_setting")
    online = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    phone = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    face_to_face = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    post = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    referral = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)  # where the figures come from, in the council's words
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    def __str__(self) -> str:
        return f"unit costs of {self.organisation_id}"


class MonthSummary(models.Model):
    """One service's figures for one closed calendar month, kept by the nightly rebuild.

    ``figures`` holds the fields of ``measures.ServiceMonth`` other than the keys. Dashboards and
    open data read closed months from here and only the months since the rebuild from the cases.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first of the month
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "service", "month"], name="insight_month_summary_once")
        ]
        indexes = [models.Index(fields=["month", "organisation"])]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.service_id} {self.month:%Y-%m}"


class SummaryRun(models.Model):
    """A rebuild of the month summaries: the months it covers, every organisation's, as of ``finished_at``."""

    finished_at = models.DateTimeField()
    first_month = models.DateField()
    last_month = models.DateField()  # the last closed month when it ran
    rows = models.PositiveIntegerField()
    seconds = models.FloatField()

    def __str__(self) -> str:
        return f"summaries {self.first_month:%Y-%m} to {self.last_month:%Y-%m} at {self.finished_at:%Y-%m-%d %H:%M}"
