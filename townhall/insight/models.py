"""An organisation's own unit costs per channel, where it does not use the Socitm defaults.

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
