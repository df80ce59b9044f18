from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models.base import TimestampedModel
from townhall.core.roles import Role


class OrganisationKind(models.TextChoices):
    DISTRICT_COUNCIL = "district_council", "District council"
    COUNTY_COUNCIL = "county_council", "County council"
    UNITARY_COUNCIL = "unitary_council", "Unitary council"
    METROPOLITAN_COUNCIL = "metropolitan_council", "Metropolitan borough council"
    LONDON_BOROUGH = "london_borough", "London borough council"
    NHS_BODY = "nhs_body", "NHS body"
    POLICE = "police", "Police force"
    HOUSING_ASSOCIATION = "housing_association", "Housing association"
    SCHOOL = "school", "School"
    VOLUNTARY = "voluntary", "Voluntary organisation"

    @classmethod
    def councils(cls) -> set[str]:
        return {
            cls.DISTRICT_COUNCIL,
            cls.COUNTY_COUNCIL,
            cls.UNITARY_COUNCIL,
            cls.METROPOLITAN_COUNCIL,
            cls.LONDON_BOROUGH,
        }


class Organisation(TimestampedModel):
    """A tenant: a council or a partner that runs or shares services on the platform.

    ``code`` is the organisation's official code: a GSS code for councils (E07000223),
    an ODS code for NHS bodies (RXH), a police force code, a Regulator of Social Housing
    registration for housing associations, a URN for schools, a charity number otherwise.
    """

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_cy = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    code = models.CharField(max_length=32, unique=True)
    welsh_enabled = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    benchmarking_opt_in = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimestampedModel):
    """One role a member of staff holds in one organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=[(r.value, r.label) for r in Role])
    team = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} at {self.organisation}"
