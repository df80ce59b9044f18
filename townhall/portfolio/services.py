"""Writes: a programme started from scratch or imported from a file, its settings, initiatives and scenarios."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from townhall.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.portfolio import models, selectors
from townhall.portfolio.optimiser import files
from townhall.portfolio.optimiser.model import Programme, validate
from townhall.portfolio.optimiser.tables import (
    INITIATIVE_COLUMNS,
    PROGRAMME_SETTINGS,
    Cell,
    initiatives_from_rows,
    programme_from_settings,
    programme_to_settings,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
# The years a programme's dates may fall in: every programme year, and the baseline year before it, is then a
# date Python and the databases can hold (9999-12-31 made the benefits view a 500).
FIRST_YEAR, LAST_YEAR = 1990, 2200
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RESERVED_SLUGS = frozenset({"new"})  # the address of the blank programme form
# The optimiser's checks name a setting loosely, or not at all; the settings form names the field.
_FIELD_OF_CODE = {
    "invalid_horizon": "horizon_years",
    "invalid_appraisal": "appraisal_years",
    "invalid_target_year": "target_year",
    "invalid_target": "target_baseline",
    "invalid_discount_rate": "discount_rate",
}


def _settings_fields(inputs: Programme) -> dict[str, Any]:
    """The programme model's fields for the optimiser's settings."""
    target = inputs.target
    return {
        "horizon_years": inputs.horizon_years,
        "capital_budget": list(inputs.capital_budget) if inputs.capital_budget is not None else None,
        "revenue_budget": list(inputs.revenue_budget) if inputs.revenue_budget is not None else None,
        "fte_capacity": list(inputs.fte_capacity) if inputs.fte_capacity is not None else None,
        "discount_rate": inputs.discount_rate,
        "objective": inputs.objective.value,
        "appraisal_years": inputs.appraisal_years,
        "target_baseline": target.baseline if target else None,
        "target_fraction": target.fraction if target else None,
        "target_year": target.year if target else None,
        "target_risk_adjusted": target.risk_adjusted if target else True,
        "requires_finish": inputs.requires_finish,
        "budgets_include_uplift": inputs.budgets_include_uplift,
        "mip_rel_gap": inputs.mip_rel_gap,
        "time_limit": inputs.time_limit,
    }


def _name_and_slug_errors(name: str, slug: str | None) -> list[FieldError]:
    errors = []
    if not name or len(name) > 200:
        errors.append(FieldError("name_required", "Enter a name of up to 200 characters", "name"))
    if slug is not None and (not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS or len(slug) > 80):
        message = "Enter a short name of up to 80 lower case letters, numbers and hyphens, for example ict-2027"
        errors.append(FieldError("invalid_slug", message, "slug"))
    return errors


def programme_settings_save(
    *,
    actor: Any,
    organisation: Organisation,
    settings: Mapping[str, Cell],
    name: str,
    slug: str = "",
    programme: models.Programme | None = None,
) -> models.Programme:
    """Start a programme from scratch (``programme=None``) or change one's name and settings.

    The settings are those of the programme settings file (``PROGRAMME_SETTINGS``), checked the same
    way, and the programme's initiatives must still fit them (one amount a year for every year).
    """
    require(actor, organisation, Permission.MANAGE_PORTFOLIO)
    name = name.strip()
    errors = _name_and_slug_errors(name, slug.strip() if programme is None else None)
    try:
        inputs = programme_from_settings({k: v for k, v in settings.items() if k in PROGRAMME_SETTINGS})
        validate(inputs, selectors.programme_inputs(programme)[1] if programme is not None else [])
    except ValidationFailed as error:
        errors += [
            FieldError(e.code, e.message, _FIELD_OF_CODE.get(e.code, e.path.removeprefix("programme.")), e.line)
            for e in error.errors or [FieldError(error.code, error.detail, "horizon_years")]
        ]
    if errors:
        raise ValidationFailed("Check the programme's settings", code="invalid_programme", errors=errors)
    try:
        with transaction.atomic():
            if programme is None:
                programme = models.Programme.objects.create(
                    organisation=organisation, slug=slug.strip(), name=name, **_settings_fields(inputs)
                )
                action, before = "portfolio.programme_created", None
            else:
                programme = models.Programme.objects.select_for_update().get(pk=programme.pk)
                before = {"name": programme.name, **programme_to_settings(selectors.programme_inputs(programme)[0])}
                for field, value in _settings_fields(inputs).items():
                    setattr(programme, field, value)
                programme.name = name
                programme.save()
                action = "portfolio.programme_settings_changed"
            audit_record(
                organisation=organisation,
                actor=actor,
                action=action,
                object_type="programme",
                object_id=programme.pk,
                data={
                    "slug": programme.slug,
                    "before": before,
                    "after": {"name": name, **programme_to_settings(inputs)},
                },
            )
    except IntegrityError as exc:
        raise Conflict(f"There is already a programme called {slug!r}", code="programme_exists") from exc
    return programme


def programme_import(
    *,
    actor: Any,
    organisation: Organisation,
    slug: str,
    name: str,
    filename: str,
    data: bytes,
    programme_data: bytes | None = None,
) -> models.Programme:
    """Create a programme from a workbook (both sheets), or an initiatives CSV plus a programme settings CSV."""
    require(actor, organisation, Permission.MANAGE_PORTFOLIO)
    named = _name_and_slug_errors(name.strip(), slug.strip())
    if named:
        raise ValidationFailed("Give the programme a name and a short name", code="invalid_programme", errors=named)
    if len(data) > MAX_FILE_BYTES or len(programme_data or b"") > MAX_FILE_BYTES:
        raise ValidationFailed("Files can be at most 5 MB", code="too_large")
    try:
        if filename.lower().endswith(".xlsx"):
            inputs, initiatives = files.read_xlsx(data)
        elif filename.lower().endswith(".csv"):
            if programme_data is None:
                raise ValidationFailed("Give the programme settings CSV with the initiatives CSV")
            inputs = files.read_programme_csv(programme_data.decode("utf-8-sig"))
            initiatives = files.read_initiatives_csv(data.decode("utf-8-sig"))
        else:
            raise ValidationFailed("Upload a .xlsx workbook or .csv files", code="unsupported_file")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("CSV files must be UTF-8 text", code="invalid_encoding") from exc
    validate(inputs, initiatives)
    try:
        with transaction.atomic():
            programme = models.Programme.objects.create(
                organisation=organisation,
                slug=slug,
                name=name,
                **_settings_fields(inputs),
            )
            models.Initiative.objects.bulk_create(
                models.Initiative(
                    programme=programme,
                    position=n,
                    code=i.id,
                    name=i.name,
                    category=i.category.value,
                    duration=i.duration,
                    earliest_start=i.earliest_start,
                    latest_start=i.latest_start,
                    capex=list(i.capex),
                    opex=list(i.opex),
                    savings=list(i.savings),
                    fte=list(i.fte),
                    probability=i.probability,
                    optimism_bias_upper=i.optimism_bias_upper,
                    mitigation=i.mitigation,
                    requires=list(i.requires),
                    excludes=list(i.excludes),
                    option_group=i.option_group,
                    locked=i.locked.value if i.locked else "",
                    services=list(i.services),
                )
                for n, i in enumerate(initiatives)
            )
            audit_record(
                organisation=organisation,
                actor=actor,
                action="portfolio.programme_imported",
                object_type="programme",
                object_id=programme.pk,
                data={"slug": slug, "filename": filename, "initiatives": len(initiatives)},
            )
    except IntegrityError as exc:
        raise Conflict(f"There is already a programme called {slug!r}", code="programme_exists") from exc
    return programme


def scenario_create(
    *,
    actor: Any,
    programme: models.Programme,
    name: str,
    budget_cut: float = 0.0,
    target_change: float = 0.0,
    savings_change: float = 0.0,
    cost_change: float = 0.0,
    staff_cut: float = 0.0,
) -> models.Scenario:
    """Scenarios are immutable: to change one, create another with a new name."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the scenario a name", code="name_required")
    if len(name) > 200:
        raise ValidationFailed("Give the scenario a name of up to 200 characters", code="name_too_long")
    for label, value in (("budget_cut", budget_cut), ("staff_cut", staff_cut)):
        if not 0 <= value <= 1:
            raise ValidationFailed(f"{label} must be a fraction from 0 to 1", code="invalid_fraction")
    for label, value in (("savings_change", savings_change), ("cost_change", cost_change)):
        if value < -1:
            raise ValidationFailed(f"{label} cannot take away more than everything", code="invalid_fraction")
    try:
        with transaction.atomic():
            scenario = models.Scenario.objects.create(
                programme=programme,
                name=name,
                budget_cut=budget_cut,
                target_change=target_change,
                savings_change=savings_change,
                cost_change=cost_change,
                staff_cut=staff_cut,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                organisation=programme.organisation,
                actor=actor,
                action="portfolio.scenario_created",
                object_type="scenario",
                object_id=scenario.pk,
                data={"programme": programme.slug, "name": name},
            )
    except IntegrityError as exc:
        raise Conflict(f"The programme already has a scenario called {name!r}", code="scenario_exists") from exc
    return scenario


def _field_of(path: str) -> str:
    """``initiatives.capex`` or ``initiatives[4].capex[0]`` → ``capex``; links and cycles → ``requires``."""
    tail = path.split(".", 1)[1] if "." in path else ""
    return tail.split("[", 1)[0] or "requires"


def initiative_save(
    *, actor: Any, programme: models.Programme, fields: Mapping[str, Cell], code: str | None = None
) -> models.Initiative:
    """Add an initiative (``code`` None) or replace one's details (``code`` names it; its id cannot change).

    ``fields`` are cells as in the file format (yearly amounts ``"120000;80000"``, ids ``"crm;portal"``).
    The whole programme is checked with it, so a link to an unknown initiative or a circle is refused."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    row = {k: v for k, v in fields.items() if k in INITIATIVE_COLUMNS}
    existing = None
    if code is not None:
        existing = programme.initiatives.filter(code=code).first()
        if existing is None:
            raise NotFound("No such initiative", code="initiative_not_found")
        row["id"] = code
    try:
        (candidate,) = initiatives_from_rows([row], first_line=1)
    except ValidationFailed as exc:
        errors = [FieldError(e.code, e.message, _field_of(e.path)) for e in exc.errors]
        raise ValidationFailed("The initiative is not valid", errors=errors) from exc
    except ValueError as exc:  # an empty row
        raise ValidationFailed(
            "Enter the initiative's details", errors=[FieldError("required", "Enter the id", "id")]
        ) from exc
    if existing is None and programme.initiatives.filter(code=candidate.id).exists():
        raise Conflict(f"There is already an initiative with the id {candidate.id!r}", code="initiative_exists")
    inputs, current = selectors.programme_inputs(programme)
    others = [i for i in current if i.id != candidate.id]
    try:
        validate(inputs, [*others, candidate])
    except ValidationFailed as exc:
        mine = f"initiatives[{len(others)}]"
        errors = [
            FieldError(e.code, e.message, _field_of(e.path))
            for e in exc.errors
            if e.path.startswith(mine) or e.code == "dependency_cycle"
        ]
        if errors:
            raise ValidationFailed("The initiative is not valid", errors=errors) from exc
    values = {
        "name": candidate.name,
        "category": candidate.category.value,
        "duration": candidate.duration,
        "earliest_start": candidate.earliest_start,
        "latest_start": candidate.latest_start,
        "capex": list(candidate.capex),
        "opex": list(candidate.opex),
        "savings": list(candidate.savings),
        "fte": list(candidate.fte),
        "probability": candidate.probability,
        "optimism_bias_upper": candidate.optimism_bias_upper,
        "mitigation": candidate.mitigation,
        "requires": list(candidate.requires),
        "excludes": list(candidate.excludes),
        "option_group": candidate.option_group,
        "locked": candidate.locked.value if candidate.locked else "",
        "services": list(candidate.services),
    }
    with transaction.atomic():
        if existing is None:
            position = programme.initiatives.count()
            initiative = models.Initiative.objects.create(
                programme=programme, code=candidate.id, position=position, **values
            )
        else:
            initiative = existing
            for name, value in values.items():
                setattr(initiative, name, value)
            initiative.save()
        audit_record(
            organisation=programme.organisation,
            actor=actor,
            action="portfolio.initiative_added" if existing is None else "portfolio.initiative_changed",
            object_type="initiative",
            object_id=initiative.pk,
            data={"programme": programme.slug, "code": initiative.code},
        )
    return initiative


def initiative_status_record(*, actor: Any, initiative: models.Initiative, rag: str, note: str) -> models.StatusUpdate:
    """Record a red, amber or green status for an initiative in flight, with a note saying why."""
    programme = initiative.programme
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    errors = []
    if rag not in models.Rag.values:
        errors.append(FieldError("invalid_rag", "Choose red, amber or green", "rag"))
    note = note.strip()
    if not note:
        errors.append(FieldError("note_required", "Say what the status is based on", "note"))
    elif len(note) > 2000:
        errors.append(FieldError("note_too_long", "The note must be 2,000 characters or fewer", "note"))
    if errors:
        raise ValidationFailed("The status update is not valid", errors=errors)
    with transaction.atomic():
        update = models.StatusUpdate.objects.create(
            initiative=initiative,
            rag=rag,
            note=note,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            organisation=programme.organisation,
            actor=actor,
            action="portfolio.initiative_status_recorded",
            object_type="initiative",
            object_id=initiative.pk,
            data={"programme": programme.slug, "code": initiative.code, "rag": rag},
        )
    return update


def programme_start_set(*, actor: Any, programme: models.Programme, starts_on: date | None) -> models.Programme:
    """Set the first day of the programme's year 1, which dates each year for benefits realisation."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    if starts_on is not None and not FIRST_YEAR <= starts_on.year <= LAST_YEAR:
        message = f"Give a date from {FIRST_YEAR} to {LAST_YEAR}"
        raise ValidationFailed(message, errors=[FieldError("invalid_date", message, "starts_on")])
    with transaction.atomic():
        programme.starts_on = starts_on
        programme.save(update_fields=["starts_on", "updated_at"])
        audit_record(
            organisation=programme.organisation,
            actor=actor,
            action="portfolio.programme_start_set",
            object_type="programme",
            object_id=programme.pk,
            data={"slug": programme.slug, "starts_on": starts_on.isoformat() if starts_on else None},
        )
    return programme
