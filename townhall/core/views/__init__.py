"""Core pages. Other apps protect their back-office views with ``staff_required`` from here."""

from townhall.core.views.access import (
    StaffRequiredMixin,
    organisation_page,
    second_factor_verified,
    staff_required,
)

__all__ = ["StaffRequiredMixin", "organisation_page", "second_factor_verified", "staff_required"]
