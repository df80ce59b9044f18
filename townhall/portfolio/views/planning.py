"""Scenarios and solving, results, sensitivity, and the programme view (roadmap, RAG, benefits)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.core.errors import FieldError, TownhallError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.views.rendering import render_staff
from townhall.portfolio import benefits, models, runs, selectors, services
from townhall.portfolio.optimiser.charts import benefits_svg, share_svg
from townhall.portfolio.optimiser.results import plan_from_dict
from townhall.portfolio.views.common import SCENARIO_FIELDS, crumbs, form_errors, portfolio_view, programme_url


def _scenario_values(post: Any) -> tuple[dict[str, float], list[FieldError]]:
    values, problems = {}, []
    for name in SCENARIO_FIELDS:
        raw = post.get(name, "").strip()
        try:
            values[name] = float(raw.rstrip("%")) / 100 if raw else 0.0
        except ValueError:
            problems.append(FieldError("invalid_number", "Enter a percentage, like 20", name))
    return values, problems


@portfolio_view
def scenarios(request: HttpRequest, organisation: Organisation, programme: models.Programme) -> HttpResponse:
    """Named scenarios: create one, solve each, and compare their newest plans side by side."""
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values, problems = _scenario_values(request.POST)
        try:
            if problems:
                raise ValidationFailed("The scenario is not valid", errors=problems)
            services.scenario_create(
                actor=request.user, programme=programme, name=request.POST.get("name", ""), **values
            )
        except TownhallError as error:
            errors, field_errors = form_errors(error, "name")
            status = error.status
        else:
            messages.success(request, _("Scenario created"))
            return HttpResponseRedirect(programme_url(programme, "portfolio:scenarios"))
    return _scenarios_page(request, organisation, programme, errors, field_errors, status)


def _scenarios_page(
    request: HttpRequest,
    organisation: Organisation,
    programme: models.Programme,
    errors: list[dict[str, str]],
    field_errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    compared = selectors.scenario_side_by_side(programme=programme, actor=request.user)
    chosen_ids = sorted({s.initiative_id for c in compared if c.plan for s in c.plan.scheduled})
    return render_staff(
        request,
        "portfolio/scenarios.html",
        {
            "organisation": organisation,
            "programme": programme,
            "compared": compared,
            "initiative_names": {i.code: i.name for i in programme.initiatives.all()},
            "chosen_ids": chosen_ids,
            "errors": errors,
            "field_errors": field_errors,
            "form": request.POST if errors and request.POST.get("name") is not None else {},
            "breadcrumbs": crumbs(organisation, programme, _("Scenarios")),
        },
        status=status,
    )


@portfolio_view
@require_POST
def solve(request: HttpRequest, organisation: Organisation, programme: models.Programme) -> HttpResponse:
    name = request.POST.get("scenario", "")
    scenario = selectors.scenario_get(programme=programme, actor=request.user, name=name) if name else None
    kind = request.POST.get("kind", models.RunKind.PLAN)
    try:
        run_count = int(request.POST.get("runs", "50") or "50")
    except ValueError:
        run_count = -1
    try:
        run = runs.run_request(actor=request.user, programme=programme, scenario=scenario, kind=kind, runs=run_count)
    except TownhallError as error:
        if kind == models.RunKind.SENSITIVITY:
            errors, field_errors = form_errors(error, "runs")
            return _sensitivity_page(request, organisation, programme, errors, field_errors, error.status)
        errors, field_errors = form_errors(error, "solve")
        return _scenarios_page(request, organisation, programme, errors, field_errors, error.status)
    return HttpResponseRedirect(programme_url(programme, "portfolio:run", run_id=run.pk))


@portfolio_view
def run(request: HttpRequest, organisation: Organisation, programme: models.Programme, run_id: int) -> HttpResponse:
    row = selectors.run_get(programme=programme, actor=request.user, run_id=run_id)
    plan = plan_from_dict(row.result) if row.result and row.kind == models.RunKind.PLAN else None
    return render_staff(
        request,
        "portfolio/run.html",
        {
            "organisation": organisation,
            "programme": programme,
            "run": row,
            "plan": plan,
            "stale": selectors.run_is_stale(row),
            "sensitivity": row.result if row.result and row.kind == models.RunKind.SENSITIVITY else None,
            "initiative_names": {i.code: i.name for i in programme.initiatives.all()},
            "breadcrumbs": crumbs(organisation, programme, _("Result")),
        },
    )


def _sensitivity_page(
    request: HttpRequest,
    organisation: Organisation,
    programme: models.Programme,
    errors: list[dict[str, str]],
    field_errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    latest = selectors.latest_run(programme, kind=models.RunKind.SENSITIVITY)
    names = {i.code: i.name for i in programme.initiatives.all()}
    shares = (
        sorted(latest.result["selected_share"].items(), key=lambda kv: (-kv[1], kv[0]))
        if latest and latest.result
        else []
    )
    return render_staff(
        request,
        "portfolio/sensitivity.html",
        {
            "organisation": organisation,
            "programme": programme,
            "latest": latest,
            "shares": [(k, names.get(k, k), v) for k, v in shares],
            "chart": share_svg(
                [(names.get(k, k), v) for k, v in shares], title="How often each initiative stays in the plan"
            )
            if shares
            else "",
            "errors": errors,
            "field_errors": field_errors,
            "form": request.POST if errors else {"runs": "50"},
            "breadcrumbs": crumbs(organisation, programme, _("Sensitivity")),
        },
        status=status,
    )


@portfolio_view
def sensitivity(request: HttpRequest, organisation: Organisation, programme: models.Programme) -> HttpResponse:
    return _sensitivity_page(request, organisation, programme, [], {})


@portfolio_view
def roadmap(request: HttpRequest, organisation: Organisation, programme: models.Programme) -> HttpResponse:
    """The programme view: the roadmap with its critical path, RAG status, and benefits realisation."""
    view = selectors.roadmap(programme=programme, actor=request.user)
    rows = {i.code: i for i in selectors.initiative_list(programme=programme, actor=request.user)}
    realised = benefits.benefits_realisation(programme=programme, actor=request.user, today=timezone.localdate())
    chart_rows = [(b.name, b.planned_total, b.actual_total) for b in realised]
    return render_staff(
        request,
        "portfolio/roadmap.html",
        {
            "organisation": organisation,
            "programme": programme,
            "view": view,
            "stale": view.run is not None and selectors.run_is_stale(view.run),
            "rows": rows,
            "benefits": realised,
            "benefits_chart": benefits_svg(chart_rows, title="Planned and actual savings by initiative")
            if chart_rows
            else "",
            "breadcrumbs": crumbs(organisation, programme, _("Programme view")),
        },
    )
