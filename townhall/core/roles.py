"""Staff roles and the permissions each grants. Pure data: no Django."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    ORGANISATION_ADMIN = "organisation_admin"
    SERVICE_DESIGNER = "service_designer"
    CASEWORKER = "caseworker"
    TEAM_MANAGER = "team_manager"
    ANALYST = "analyst"
    PARTNER_OFFICER = "partner_officer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Permission(StrEnum):
    MANAGE_ORGANISATION = "manage_organisation"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_AUDIT = "view_audit"
    VIEW_DEFINITIONS = "view_definitions"
    EDIT_DEFINITIONS = "edit_definitions"
    PUBLISH_DEFINITIONS = "publish_definitions"
    VIEW_CASES = "view_cases"
    WORK_CASES = "work_cases"
    ASSIGN_CASES = "assign_cases"
    ASSISTED_DIGITAL = "assisted_digital"
    VIEW_INSIGHT = "view_insight"
    MANAGE_AGREEMENTS = "manage_agreements"
    APPROVE_AGREEMENTS = "approve_agreements"
    SHARE_DATA = "share_data"
    MANAGE_PORTFOLIO = "manage_portfolio"
    PUBLISH_DATASETS = "publish_datasets"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PLATFORM_ADMIN: frozenset(Permission),
    Role.ORGANISATION_ADMIN: frozenset(
        {
            P.MANAGE_ORGANISATION,
            P.MANAGE_MEMBERS,
            P.MANAGE_API_KEYS,
            P.VIEW_AUDIT,
            P.VIEW_DEFINITIONS,
            P.VIEW_CASES,
            P.VIEW_INSIGHT,
            P.MANAGE_AGREEMENTS,
            P.APPROVE_AGREEMENTS,
            P.PUBLISH_DATASETS,
            P.MANAGE_PORTFOLIO,
        }
    ),
    Role.SERVICE_DESIGNER: frozenset({P.VIEW_DEFINITIONS, P.EDIT_DEFINITIONS, P.PUBLISH_DEFINITIONS, P.VIEW_INSIGHT}),
    Role.CASEWORKER: frozenset({P.VIEW_DEFINITIONS, P.VIEW_CASES, P.WORK_CASES, P.ASSISTED_DIGITAL}),
    Role.TEAM_MANAGER: frozenset(
        {P.VIEW_DEFINITIONS, P.VIEW_CASES, P.WORK_CASES, P.ASSIGN_CASES, P.ASSISTED_DIGITAL, P.VIEW_INSIGHT}
    ),
    Role.ANALYST: frozenset({P.VIEW_DEFINITIONS, P.VIEW_INSIGHT, P.PUBLISH_DATASETS, P.MANAGE_PORTFOLIO}),
    Role.PARTNER_OFFICER: frozenset({P.VIEW_CASES, P.SHARE_DATA, P.MANAGE_AGREEMENTS}),
}


def permissions_for(roles: set[Role] | frozenset[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
