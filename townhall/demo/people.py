"""The demo's organisations and people. Pure data, with the known demo secrets derived from names.

These secrets are public (they are in this file): the demo is for trying Townhall out, never
for real data. ``demo_load`` refuses to run when DJANGO_ENV=production.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

DEMO_PASSWORD = "demo-password-1234"
BACKUP_CODE_COUNT = 5


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: str
    code: str
    name_cy: str = ""
    welsh_enabled: bool = False
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoPerson:
    username: str
    full_name: str
    organisation: str  # slug
    role: str
    team: str = ""
    email: str = field(default="")

    @property
    def address(self) -> str:
        return self.email or f"{self.username}@example.org"

    @property
    def totp_key_hex(self) -> str:
        """A fixed 20-byte TOTP secret (hex, as django-otp stores it)."""
        return hashlib.sha1(f"townhall-demo-totp:{self.username}".encode()).hexdigest()  # noqa: S324 - not a hash of a secret

    @property
    def totp_key_base32(self) -> str:
        """The same secret as an authenticator app takes it."""
        return base64.b32encode(bytes.fromhex(self.totp_key_hex)).decode()

    @property
    def backup_codes(self) -> list[str]:
        return [
            hashlib.sha256(f"townhall-demo-backup:{self.username}:{n}".encode()).hexdigest()[:8]
            for n in range(BACKUP_CODE_COUNT)
        ]


COUNCIL_ROLES = (
    "organisation_admin",
    "service_designer",
    "caseworker",
    "team_manager",
    "analyst",
    "partner_officer",
)
PARTNER_ROLES = ("organisation_admin", "partner_officer", "caseworker", "analyst")

ORGANISATIONS = [
    DemoOrganisation(
        "mid-downs",
        "Mid Downs District Council",
        "district_council",
        "E07000901",
        name_cy="Cyngor Dosbarth Canol y Twyni",
        welsh_enabled=True,
        roles=COUNCIL_ROLES,
    ),
    DemoOrganisation("downshire", "Downshire County Council", "county_council", "E10000901", roles=COUNCIL_ROLES),
    DemoOrganisation("downshire-hospitals", "Downshire Hospitals NHS Trust", "nhs_body", "R9X", roles=PARTNER_ROLES),
    DemoOrganisation("downs-valley-homes", "Downs Valley Homes", "housing_association", "L9901", roles=PARTNER_ROLES),
]

_NAMES = iter(
    [
        "Priya Shah", "Tom Hughes", "Aisha Begum", "Gareth Jones", "Mei Chen", "Daniel Okafor",
        "Sian Evans", "Olu Adeyemi", "Hannah Price", "Marek Nowak", "Ruth Campbell", "Imran Ali",
        "Chloe Davies", "Ben Carter", "Nia Roberts", "Sam Patel", "Grace Wilson", "Kofi Mensah",
        "Leah Thomas", "Owen Griffiths", "Zara Khan", "Joe Walsh",
    ]
)  # fmt: skip

TEAMS = {"caseworker": "Customer services", "team_manager": "Customer services"}


def _people() -> list[DemoPerson]:
    people = [DemoPerson("platform-admin", "Pat Lewis", "mid-downs", "platform_admin")]
    for org in ORGANISATIONS:
        for role in org.roles:
            people.append(
                DemoPerson(f"{org.slug}-{role.replace('_', '-')}", next(_NAMES), org.slug, role, TEAMS.get(role, ""))
            )
    return people


PEOPLE = _people()
