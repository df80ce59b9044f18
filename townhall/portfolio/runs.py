"""Solving a programme: a run is requested (one audited write), then executed at once when the programme is
small, or by a background task otherwise. Executing is safe to repeat: only a queued run is claimed."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.core.errors import FieldError, TownhallError, ValidationFailed
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.portfolio import models, selectors
from townhall.portfolio.optimiser.planner import solve
from townhall.portfolio.optimiser.results import plan_to_dict, sensitivity_to_dict
from townhall.portfolio.optimiser.scenarios import apply_scenario, sensitivity

# Solved while the caller waits when the work is at most this many initiative-solves; queued otherwise.
SYNC_MAX_INITIATIVES = 60
SYNC_MAX_SENSITIVITY_WORK = 600  # initiatives × runs
MAX_SENSITIVITY_RUNS = 500
SEED_MIN, SEED_MAX = -(2**31), 2**31 - 1  # Run.seed is an IntegerField: a larger seed was a 500 when stored


def _is_small(run: models.Run, initiatives: int) -> bool:
    if run.kind == models.RunKind.SENSITIVITY:
        return initiatives * run.runs <= SYNC_MAX_SENSITIVITY_WORK
    return initiatives <= SYNC_MAX_INITIATIVES


def run_request(
    *,
    actor: Any,
    programme: models.Programme,
    scenario: models.Scenario | None = None,
    kind: str = models.RunKind.PLAN,
    runs: int = 50,
    seed: int = 0,
) -> models.Run:
    """Solve the programme as planned or under ``scenario``; returns the run, done if it was small enough."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    errors = []
    if kind not in models.RunKind.values:
        errors.append(FieldError("invalid_kind", "Choose plan or sensitivity", "kind"))
    if kind == models.RunKind.SENSITIVITY and not 2 <= runs <= MAX_SENSITIVITY_RUNS:
        errors.append(FieldError("invalid_runs", f"Run from 2 to {MAX_SENSITIVITY_RUNS} times", "runs"))
    if not SEED_MIN <= seed <= SEED_MAX:
        errors.append(FieldError("invalid_seed", f"The seed is a whole number from {SEED_MIN} to {SEED_MAX}", "seed"))
    if scenario is not None and scenario.programme_id != programme.pk:
        errors.append(FieldError("scenario_not_found", "No such scenario in this programme", "scenario"))
    if errors:
        raise ValidationFailed("The run cannot be started", errors=errors)
    count = programme.initiatives.count()
    with transaction.atomic():
        run = models.Run.objects.create(
            programme=programme,
            scenario=scenario,
            kind=kind,
            runs=runs if kind == models.RunKind.SENSITIVITY else 0,
            seed=seed,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            organisation=programme.organisation,
            actor=actor,
            action="portfolio.run_requested",
            object_type="run",
            object_id=run.pk,
            data={"programme": programme.slug, "scenario": scenario.name if scenario else None, "kind": kind},
        )
        small = _is_small(run, count)
        if not small:
            transaction.on_commit(partial(_enqueue, run.pk))
    if small:
        run_execute(run_id=run.pk)
        run.refresh_from_db()
    return run


def _enqueue(run_id: int) -> None:
    from townhall.portfolio.tasks import run_task

    run_task.enqueue(run_id=run_id)


def run_execute(*, run_id: int) -> str:
    """Claim a queued run, solve it and store the result. Returns its final status (or "not-queued")."""
    claimed = models.Run.objects.filter(pk=run_id, status=models.RunStatus.QUEUED).update(
        status=models.RunStatus.RUNNING
    )
    if not claimed:
        return "not-queued"
    run = models.Run.objects.select_related("programme", "scenario").get(pk=run_id)
    inputs, initiatives = selectors.programme_inputs(run.programme)
    run.inputs_digest = selectors.inputs_digest(run.programme)
    if run.scenario is not None:
        inputs, initiatives = apply_scenario(selectors.scenario_of(run.scenario), inputs, initiatives)
    try:
        if run.kind == models.RunKind.SENSITIVITY:
            result = sensitivity_to_dict(sensitivity(inputs, initiatives, runs=run.runs, seed=run.seed))
        else:
            result = plan_to_dict(solve(inputs, initiatives))
    except (TownhallError, ValueError) as exc:
        detail = getattr(exc, "detail", str(exc))
        problems = [e.message for e in getattr(exc, "errors", [])]
        run.status, run.error = models.RunStatus.FAILED, "; ".join([detail, *problems])
    else:
        run.status, run.result = models.RunStatus.DONE, result
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "inputs_digest", "finished_at"])
    return str(run.status)
