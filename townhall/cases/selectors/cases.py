"""Reading cases: the work queue, one case, the people who can work them. Scoped by organisation and actor."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BigIntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from townhall.cases.models import Case, CaseLink
from townhall.cases.references import normalise_reference
from townhall.catalogue.models import DefinitionVersion
from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission, Role

SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-received_at", "-pk"),
    "oldest": ("received_at", "pk"),
    "due": ("due_on", "received_at", "pk"),
    "reference": ("reference",),
}


@dataclass(frozen=True)
class CaseFilters:
    service: str = ""  # service slug
    state: str = ""
    team: str = ""
    assignee: str = ""  # "" any, "none" nobody, "me" the actor, or a username
    overdue: bool = False
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""  # a reference, part of a name, or the start of a postcode
    sort: str = "newest"


def _base(organisation: Organisation, actor: Any) -> QuerySet[Case]:
    require(actor, organisation, Permission.VIEW_CASES)
    # The organisation's id as a bigint, like the column: a bare parameter reaches PostgreSQL as an integer,
    # and the (organisation, name) trigram index (btree_gin's int8 class) matches only bigint = bigint.
    # Without it a name search ANDs in a bitmap of every one of the organisation's cases (issue 4's benchmark).
    organisation_id = Cast(Value(organisation.pk), BigIntegerField())
    return Case.objects.filter(organisation_id=organisation_id).select_related("version__service", "assignee")


# The start of a UK postcode as people type it, spaces removed: area letters, then the district, then the
# sector digit and the unit letters ("LS", "LS1", "LS11", "LS11 5", "SW1A 1AA", "M1 1AE").
POSTCODE_START = re.compile(r"[A-Z]{1,2}(\d[A-Z\d]?(\d[A-Z]{0,2})?)?")


def search_condition(text: str) -> Q:
    """One condition over the indexed, normalised columns: reference, name, postcode.

    Each part is asked only where the text could be one: a name has no digits, and a postcode starts with
    letters then a digit. So a surname or a postcode sector is one index lookup, not two OR-ed together.
    """
    text = " ".join(text.split())
    conditions = []
    if reference := normalise_reference(text):
        conditions.append(Q(reference=reference))
    if not any(ch.isdigit() for ch in text):
        conditions.append(Q(name_search__contains=text.lower()))
    compact = text.replace(" ", "").upper()
    if POSTCODE_START.fullmatch(compact):
        conditions.append(Q(postcode_search__startswith=compact))
    if not conditions:
        return Q(pk__in=[])  # nothing can match: no reference, and not part of a name or a postcode
    return reduce(operator.or_, conditions)


def case_list(*, organisation: Organisation, actor: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    f = filters or CaseFilters()
    cases = _base(organisation, actor)
    if f.service:
        # The service's versions first, so the planner sees plain ids it has statistics for.
        versions = DefinitionVersion.objects.filter(service__organisation=organisation, service__slug=f.service)
        cases = cases.filter(version_id__in=list(versions.values_list("pk", flat=True)))
    if f.state:
        cases = cases.filter(state=f.state)
    if f.team:
        cases = cases.filter(team=f.team)
    if f.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif f.assignee == "me":
        cases = cases.filter(assignee=actor)
    elif f.assignee:
        cases = cases.filter(assignee__username=f.assignee)
    if f.overdue:
        cases = cases.filter(due_on__lt=timezone.localdate(), decided_at__isnull=True, paused_since__isnull=True)
    if f.received_from:
        cases = cases.filter(received_at__date__gte=f.received_from)
    if f.received_to:
        cases = cases.filter(received_at__date__lte=f.received_to)
    if f.q.strip():
        cases = cases.filter(search_condition(f.q))
    return cases.order_by(*SORTS.get(f.sort, SORTS["newest"]))


def my_work(*, organisation: Organisation, actor: Any) -> QuerySet[Case]:
    """Open cases assigned to the actor, those due soonest first."""
    return case_list(organisation=organisation, actor=actor, filters=CaseFilters(assignee="me", sort="due")).filter(
        decided_at__isnull=True
    )


def case_get(*, organisation: Organisation, actor: Any, reference: str) -> Case:
    """One case of this organisation. Another organisation's case is not found, never forbidden."""
    wanted = normalise_reference(reference)
    case = _base(organisation, actor).filter(reference=wanted).first() if wanted else None
    if case is None:
        raise NotFound("No such case", code="case_not_found")
    return case


def linked_cases(*, case: Case, actor: Any) -> list[Case]:
    require(actor, case.organisation, Permission.VIEW_CASES)
    links = CaseLink.objects.filter(Q(case=case) | Q(other=case)).select_related("case", "other")
    return [link.other if link.case_id == case.pk else link.case for link in links]


def assignable_staff(*, organisation: Organisation, actor: Any) -> list[Any]:
    """The people a case can be given to: members who work cases here (API keys excluded)."""
    require(actor, organisation, Permission.VIEW_CASES)
    User = get_user_model()
    return list(
        User.objects.filter(
            memberships__organisation=organisation,
            memberships__role__in=[Role.CASEWORKER.value, Role.TEAM_MANAGER.value],
            is_active=True,
            api_key__isnull=True,
        )
        .distinct()
        .order_by("username")
    )


def teams(*, organisation: Organisation, actor: Any) -> list[str]:
    """The teams the organisation's cases are with, A to Z.

    One index seek per team (a "loose index scan" on organisation, team), not a read of every case:
    the queue shows this on every page, and an organisation may hold hundreds of thousands of cases.
    """
    require(actor, organisation, Permission.VIEW_CASES)
    table = connection.ops.quote_name(Case._meta.db_table)
    sql = f"""
        WITH RECURSIVE found(team) AS (
            SELECT MIN(team) FROM {table} WHERE organisation_id = %s AND team > ''
            UNION ALL
            SELECT (SELECT MIN(c.team) FROM {table} c WHERE c.organisation_id = %s AND c.team > found.team)
            FROM found WHERE found.team IS NOT NULL
        )
        SELECT team FROM found WHERE team IS NOT NULL
    """  # noqa: S608 - the table name is ours; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [organisation.pk, organisation.pk])
        return sorted(row[0] for row in cursor.fetchall())
