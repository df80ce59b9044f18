"""Portfolio API, mounted at /api/v1/portfolio: programmes, initiatives, scenarios, runs and the programme view.

Every endpoint needs an API key whose scopes grant ``manage_portfolio`` (organisation admin or analyst) and
only ever sees the key's own organisation: another organisation's programme is a 404 ``programme_not_found``.
"""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from townhall.core.api_auth import actor_of, api_key_auth
from townhall.core.api_schemas import ProblemOut
from townhall.core.errors import ValidationFailed
from townhall.core.models import ApiKey, Organisation
from townhall.portfolio import benefits, models, runs, selectors, services
from townhall.portfolio.schemas import (
    BenefitsOut,
    BenefitsQuery,
    BenefitYearOut,
    ChannelShiftIn,
    ChannelShiftOut,
    ComparedOut,
    InitiativeIn,
    InitiativeOut,
    PlanOut,
    ProgrammeChangeIn,
    ProgrammeOut,
    RoadmapOut,
    RunIn,
    RunOut,
    ScenarioIn,
    ScenarioOut,
    ScheduledOut,
    SensitivityOut,
    StatusIn,
    StatusOut,
)

router = Router(tags=["portfolio"], auth=api_key_auth)


def _organisation(request: HttpRequest) -> Organisation:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return key.organisation


def _programme(request: HttpRequest, slug: str) -> models.Programme:
    return selectors.programme_get(organisation=_organisation(request), actor=actor_of(request), slug=slug)


def _programme_out(p: models.Programme) -> ProgrammeOut:
    return ProgrammeOut(
        slug=p.slug,
        name=p.name,
        horizon_years=p.horizon_years,
        objective=p.objective,
        starts_on=p.starts_on,
        initiatives=getattr(p, "initiative_count", None) or p.initiatives.count(),
        scenarios=[s.name for s in p.scenarios.all()],
    )


@router.get("/programmes", response=list[ProgrammeOut], summary="Your organisation's programmes")
def programme_list(request: HttpRequest) -> list[ProgrammeOut]:
    rows = selectors.programme_list(organisation=_organisation(request), actor=actor_of(request))
    return [
        _programme_out(p) for p in rows.annotate(initiative_count=Count("initiatives")).prefetch_related("scenarios")
    ]


@router.post(
    "/programmes",
    response={201: ProgrammeOut, 409: ProblemOut},
    summary="Import a programme from an XLSX workbook, or an initiatives CSV plus a programme settings CSV",
)
def programme_import(
    request: HttpRequest,
    slug: Form[str],
    name: Form[str],
    file: File[UploadedFile],
    programme_file: File[UploadedFile | None] = None,
) -> Status:
    programme = services.programme_import(
        actor=actor_of(request),
        organisation=_organisation(request),
        slug=slug,
        name=name,
        filename=file.name or "",
        data=file.read(services.MAX_FILE_BYTES + 1),
        programme_data=programme_file.read(services.MAX_FILE_BYTES + 1) if programme_file else None,
    )
    return Status(201, _programme_out(programme))


@router.get("/programmes/{slug}", response=ProgrammeOut, summary="One programme")
def programme_detail(request: HttpRequest, slug: str) -> ProgrammeOut:
    return _programme_out(_programme(request, slug))


@router.patch("/programmes/{slug}", response=ProgrammeOut, summary="Date the programme's first year")
def programme_change(request: HttpRequest, slug: str, data: ProgrammeChangeIn) -> ProgrammeOut:
    programme = services.programme_start_set(
        actor=actor_of(request), programme=_programme(request, slug), starts_on=data.starts_on
    )
    return _programme_out(programme)


@router.get("/programmes/{slug}/export", summary="The programme as XLSX, or its initiatives or settings as CSV")
def programme_export(request: HttpRequest, slug: str, format: str = "xlsx") -> HttpResponse:
    if format not in selectors.EXPORT_TYPES:
        raise ValidationFailed("Choose xlsx, csv or programme.csv", code="unsupported_format")
    data = selectors.programme_export(
        organisation=_organisation(request), actor=actor_of(request), slug=slug, file_format=format
    )
    content_type, extension = selectors.EXPORT_TYPES[format]
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}.{extension}"'
    return response


def _initiative_out(row: models.Initiative) -> InitiativeOut:
    latest = getattr(row, "latest_status", None)
    if latest is None and not hasattr(row, "latest_status"):
        latest = row.status_updates.first()
    return InitiativeOut(
        id=row.code,
        **{f: getattr(row, f) for f in InitiativeOut.model_fields if f not in ("id", "status")},
        status=StatusOut(rag=latest.rag, note=latest.note, recorded_at=latest.recorded_at) if latest else None,
    )


@router.get("/programmes/{slug}/initiatives", response=list[InitiativeOut], summary="The programme's initiatives")
def initiative_list(request: HttpRequest, slug: str) -> list[InitiativeOut]:
    programme = _programme(request, slug)
    return [_initiative_out(i) for i in selectors.initiative_list(programme=programme, actor=actor_of(request))]


@router.post(
    "/programmes/{slug}/initiatives", response={201: InitiativeOut, 409: ProblemOut}, summary="Add an initiative"
)
def initiative_create(request: HttpRequest, slug: str, data: InitiativeIn) -> Status:
    row = services.initiative_save(actor=actor_of(request), programme=_programme(request, slug), fields=data.cells())
    return Status(201, _initiative_out(row))


@router.put(
    "/programmes/{slug}/initiatives/{code}",
    response={200: InitiativeOut, 409: ProblemOut},
    summary="Replace an initiative's details",
)
def initiative_update(request: HttpRequest, slug: str, code: str, data: InitiativeIn) -> InitiativeOut:
    row = services.initiative_save(
        actor=actor_of(request), programme=_programme(request, slug), fields=data.cells(), code=code
    )
    return _initiative_out(row)


@router.post(
    "/programmes/{slug}/initiatives/{code}/status",
    response={201: StatusOut},
    summary="Record a red, amber or green status for an initiative in flight",
)
def initiative_status(request: HttpRequest, slug: str, code: str, data: StatusIn) -> Status:
    actor = actor_of(request)
    initiative = selectors.initiative_get(programme=_programme(request, slug), actor=actor, code=code)
    update = services.initiative_status_record(actor=actor, initiative=initiative, rag=data.rag, note=data.note)
    return Status(201, StatusOut(rag=update.rag, note=update.note, recorded_at=update.recorded_at))


@router.post(
    "/programmes/{slug}/initiatives/{code}/channel-shift",
    response=ChannelShiftOut,
    summary="Derive a channel-shift initiative's savings from insight's measured volumes and unit costs",
)
def initiative_channel_shift(request: HttpRequest, slug: str, code: str, data: ChannelShiftIn) -> ChannelShiftOut:
    actor = actor_of(request)
    programme = _programme(request, slug)
    initiative = selectors.initiative_get(programme=programme, actor=actor, code=code)
    estimate = benefits.channel_shift_estimate(
        programme=programme,
        actor=actor,
        service_slug=data.service,
        from_channel=data.from_channel,
        to_channel=data.to_channel,
        shift=data.shift,
        start=data.start,
        end=data.end,
    )
    if data.apply:
        benefits.initiative_savings_from_channel_shift(
            actor=actor, initiative=initiative, estimate=estimate, years=data.years
        )
    return ChannelShiftOut(
        service=estimate.service_slug,
        from_channel=estimate.from_channel,
        to_channel=estimate.to_channel,
        shift=estimate.shift,
        start=estimate.start,
        end=estimate.end,
        volume=estimate.volume,
        unit_cost_from=estimate.unit_cost_from,
        unit_cost_to=estimate.unit_cost_to,
        annual_saving=estimate.annual_saving,
        applied=data.apply,
    )


def _scenario_out(s: models.Scenario) -> ScenarioOut:
    return ScenarioOut(
        name=s.name,
        budget_cut=s.budget_cut,
        target_change=s.target_change,
        savings_change=s.savings_change,
        cost_change=s.cost_change,
        staff_cut=s.staff_cut,
        created_at=s.created_at,
    )


@router.get("/programmes/{slug}/scenarios", response=list[ScenarioOut], summary="The programme's scenarios")
def scenario_list(request: HttpRequest, slug: str) -> list[ScenarioOut]:
    programme = _programme(request, slug)
    return [_scenario_out(s) for s in selectors.scenario_list(programme=programme, actor=actor_of(request))]


@router.post(
    "/programmes/{slug}/scenarios",
    response={201: ScenarioOut, 409: ProblemOut},
    summary="Create a named scenario (never edited afterwards: create another to change it)",
)
def scenario_create(request: HttpRequest, slug: str, data: ScenarioIn) -> Status:
    scenario = services.scenario_create(actor=actor_of(request), programme=_programme(request, slug), **data.dict())
    return Status(201, _scenario_out(scenario))


def _run_out(run: models.Run) -> RunOut:
    done = run.status == models.RunStatus.DONE and run.result is not None
    return RunOut(
        id=run.pk,
        scenario=run.scenario.name if run.scenario else None,
        kind=run.kind,
        status=run.status,
        created_at=run.created_at,
        finished_at=run.finished_at,
        error=run.error,
        stale=selectors.run_is_stale(run),
        plan=PlanOut(**run.result) if done and run.kind == models.RunKind.PLAN else None,  # type: ignore[arg-type]
        sensitivity=SensitivityOut(**run.result) if done and run.kind == models.RunKind.SENSITIVITY else None,  # type: ignore[arg-type]
    )


@router.post(
    "/programmes/{slug}/runs",
    response={201: RunOut, 202: RunOut},
    summary="Solve as planned or under a scenario, or study sensitivity: 201 when solved at once, 202 when queued",
)
def run_create(request: HttpRequest, slug: str, data: RunIn) -> Status:
    actor = actor_of(request)
    programme = _programme(request, slug)
    scenario = selectors.scenario_get(programme=programme, actor=actor, name=data.scenario) if data.scenario else None
    run = runs.run_request(
        actor=actor, programme=programme, scenario=scenario, kind=data.kind, runs=data.runs, seed=data.seed
    )
    return Status(202 if run.status in (models.RunStatus.QUEUED, models.RunStatus.RUNNING) else 201, _run_out(run))


@router.get("/programmes/{slug}/runs", response=list[RunOut], summary="The newest 50 runs, newest first")
def run_list(request: HttpRequest, slug: str) -> list[RunOut]:
    rows = selectors.run_list(programme=_programme(request, slug), actor=actor_of(request))
    return [_run_out(r) for r in rows]


@router.get("/programmes/{slug}/runs/{run_id}", response=RunOut, summary="A run and its result")
def run_detail(request: HttpRequest, slug: str, run_id: int) -> RunOut:
    return _run_out(selectors.run_get(programme=_programme(request, slug), actor=actor_of(request), run_id=run_id))


@router.get(
    "/programmes/{slug}/comparison",
    response=list[ComparedOut],
    summary="As planned and each scenario side by side: the newest plan solved for each (null if not solved)",
)
def comparison(request: HttpRequest, slug: str) -> list[ComparedOut]:
    rows = selectors.scenario_side_by_side(programme=_programme(request, slug), actor=actor_of(request))
    out = []
    for row in rows:
        s = row.scenario
        parameters = (
            ScenarioIn(name=row.name) if s is None else ScenarioIn(**_scenario_out(s).dict(exclude={"created_at"}))
        )
        out.append(
            ComparedOut(
                scenario=row.name,
                parameters=parameters,
                run_id=row.run.pk if row.run else None,
                plan=PlanOut(**row.run.result) if row.run and row.run.result else None,
            )
        )
    return out


@router.get(
    "/programmes/{slug}/roadmap",
    response=RoadmapOut,
    summary="The newest plan as planned, with the critical path through the dependencies",
)
def roadmap(request: HttpRequest, slug: str) -> RoadmapOut:
    view = selectors.roadmap(programme=_programme(request, slug), actor=actor_of(request))
    return RoadmapOut(
        run_id=view.run.pk if view.run else None,
        finish_year=view.critical.finish_year if view.critical else None,
        critical_path=list(view.critical.path) if view.critical else [],
        slack=dict(view.critical.slack) if view.critical else {},
        scheduled=[ScheduledOut(**s.__dict__) for s in view.plan.scheduled] if view.plan else [],
    )


@router.get(
    "/programmes/{slug}/benefits",
    response=list[BenefitsOut],
    summary="Planned against actual savings (actuals from insight, for initiatives linked to services)",
)
def benefits_list(request: HttpRequest, slug: str, query: Query[BenefitsQuery]) -> list[BenefitsOut]:
    rows = benefits.benefits_realisation(
        programme=_programme(request, slug), actor=actor_of(request), today=query.on or timezone.localdate()
    )
    return [
        BenefitsOut(
            id=r.code,
            name=r.name,
            services=list(r.services),
            start_year=r.start_year,
            planned_total=r.planned_total,
            actual_total=r.actual_total,
            years=[BenefitYearOut(**y.__dict__) for y in r.years],
        )
        for r in rows
    ]
