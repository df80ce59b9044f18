"""Programmes and initiatives: import, list, add and edit, export, RAG status, channel-shift savings."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.core.errors import FieldError, TownhallError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.views.rendering import render_staff
from townhall.portfolio import benefits, models, selectors, services
from townhall.portfolio.optimiser.model import Category, Lock
from townhall.portfolio.optimiser.tables import INITIATIVE_COLUMNS
from townhall.portfolio.views.common import crumbs, form_errors, portfolio_view, programme_url


@portfolio_view
def initiatives(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation's programmes, and importing a new one from a workbook or CSV files."""
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        upload, settings_upload = request.FILES.get("file"), request.FILES.get("programme_file")
        try:
            if upload is None:
                raise ValidationFailed(
                    "Choose a file", errors=[FieldError("file_required", "Choose a file to import", "file")]
                )
            programme = services.programme_import(
                actor=request.user,
                organisation=organisation,
                slug=request.POST.get("slug", "").strip(),
                name=request.POST.get("name", "").strip(),
                filename=upload.name or "",
                data=upload.read(services.MAX_FILE_BYTES + 1),
                programme_data=settings_upload.read(services.MAX_FILE_BYTES + 1) if settings_upload else None,
            )
        except TownhallError as error:
            errors, field_errors = form_errors(error, "file")
            status = error.status
        else:
            messages.success(request, _("Programme imported"))
            return HttpResponseRedirect(programme_url(programme))
    return render_staff(
        request,
        "portfolio/programmes.html",
        {
            "organisation": organisation,
            "programmes": selectors.programme_list(organisation=organisation, actor=request.user),
            "errors": errors,
            "field_errors": field_errors,
            "form": request.POST if errors else {},
            "breadcrumbs": crumbs(organisation, None, _("Programmes")),
        },
        status=status,
    )


@portfolio_view
def programme(request: HttpRequest, organisation: Organisation, programme: models.Programme) -> HttpResponse:
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            raw = request.POST.get("starts_on", "").strip()
            try:
                starts_on = date.fromisoformat(raw) if raw else None
            except ValueError as exc:
                raise ValidationFailed(
                    "Enter a date", errors=[FieldError("invalid_date", "Enter a date like 2027-04-01", "starts_on")]
                ) from exc
            services.programme_start_set(actor=request.user, programme=programme, starts_on=starts_on)
        except TownhallError as error:
            errors, field_errors = form_errors(error, "starts_on")
            status = error.status
        else:
            messages.success(request, _("Start date saved"))
            return HttpResponseRedirect(programme_url(programme))
    return render_staff(
        request,
        "portfolio/programme.html",
        {
            "organisation": organisation,
            "programme": programme,
            "initiatives": selectors.initiative_list(programme=programme, actor=request.user),
            "exports": list(selectors.EXPORT_TYPES),
            "errors": errors,
            "field_errors": field_errors,
            "form": request.POST
            if errors
            else {"starts_on": programme.starts_on.isoformat() if programme.starts_on else ""},
            "breadcrumbs": crumbs(organisation, None, programme.name),
        },
        status=status,
    )


@portfolio_view
def export(
    request: HttpRequest, organisation: Organisation, programme: models.Programme, file_format: str
) -> HttpResponse:
    if file_format not in selectors.EXPORT_TYPES:
        raise Http404("No such format")
    data = selectors.programme_export(
        organisation=organisation, actor=request.user, slug=programme.slug, file_format=file_format
    )
    content_type, extension = selectors.EXPORT_TYPES[file_format]
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{programme.slug}.{extension}"'
    return response


def _initiative_form(row: models.Initiative | None) -> dict[str, str]:
    if row is None:
        return {
            "duration": "1",
            "earliest_start": "1",
            "probability": "1",
            "optimism_bias_upper": "2",
            "mitigation": "0",
        }

    def cell(value: Any) -> str:
        if isinstance(value, list):
            return ";".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))

    return {"id": row.code, **{c: cell(getattr(row, c)) for c in INITIATIVE_COLUMNS if c != "id"}}


@portfolio_view
def initiative_edit(
    request: HttpRequest, organisation: Organisation, programme: models.Programme, code: str | None = None
) -> HttpResponse:
    """Add an initiative (no code) or change one; the change page also records RAG status and derives
    channel-shift savings from insight."""
    row = selectors.initiative_get(programme=programme, actor=request.user, code=code) if code else None
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        fields = {c: request.POST.get(c, "") for c in INITIATIVE_COLUMNS}
        try:
            saved = services.initiative_save(actor=request.user, programme=programme, fields=fields, code=code)
        except TownhallError as error:
            errors, field_errors = form_errors(error, "id" if code is None else "name")
            status = error.status
        else:
            messages.success(request, _("Initiative saved"))
            return HttpResponseRedirect(programme_url(programme) + f"#initiative-{saved.code}")
    return _initiative_page(
        request, organisation, programme, row, errors, field_errors, status, form=request.POST if errors else None
    )


def _initiative_page(
    request: HttpRequest,
    organisation: Organisation,
    programme: models.Programme,
    row: models.Initiative | None,
    errors: list[dict[str, str]],
    field_errors: dict[str, str],
    status: int,
    *,
    form: Any = None,
    status_form: Any = None,
    shift_form: Any = None,
    estimate: benefits.ChannelShiftEstimate | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    return render_staff(
        request,
        "portfolio/initiative.html",
        {
            "organisation": organisation,
            "programme": programme,
            "initiative": row,
            "form": form or _initiative_form(row),
            "status_form": status_form or {},
            "shift_form": shift_form
            or {"start": date(today.year - 1, 1, 1).isoformat(), "end": date(today.year - 1, 12, 31).isoformat()},
            "estimate": estimate,
            "categories": [c.value for c in Category],
            "locks": [k.value for k in Lock],
            "rags": models.Rag.choices,
            "channels": benefits.CHANNELS,
            "updates": row.status_updates.all()[:10] if row else [],
            "errors": errors,
            "field_errors": field_errors,
            "breadcrumbs": crumbs(organisation, programme, row.name if row else _("Add an initiative")),
        },
        status=status,
    )


@portfolio_view
@require_POST
def initiative_status(
    request: HttpRequest, organisation: Organisation, programme: models.Programme, code: str
) -> HttpResponse:
    row = selectors.initiative_get(programme=programme, actor=request.user, code=code)
    try:
        services.initiative_status_record(
            actor=request.user, initiative=row, rag=request.POST.get("rag", ""), note=request.POST.get("note", "")
        )
    except TownhallError as error:
        errors, field_errors = form_errors(error, "rag")
        return _initiative_page(
            request, organisation, programme, row, errors, field_errors, error.status, status_form=request.POST
        )
    messages.success(request, _("Status recorded"))
    return HttpResponseRedirect(programme_url(programme, "portfolio:initiative", code=code))


@portfolio_view
@require_POST
def initiative_channel_shift(
    request: HttpRequest, organisation: Organisation, programme: models.Programme, code: str
) -> HttpResponse:
    row = selectors.initiative_get(programme=programme, actor=request.user, code=code)
    post = request.POST
    try:
        problems = []
        parsed: dict[str, Any] = {}
        for name in ("start", "end"):
            try:
                parsed[name] = date.fromisoformat(post.get(name, "").strip())
            except ValueError:
                problems.append(FieldError("invalid_date", "Enter a date like 2026-01-31", name))
        try:
            parsed["shift"] = float(post.get("shift", "").strip().rstrip("%")) / (
                100 if "%" in post.get("shift", "") else 1
            )
        except ValueError:
            problems.append(FieldError("invalid_shift", "Enter the expected shift as a fraction, like 0.3", "shift"))
        if problems:
            raise ValidationFailed("The channel shift cannot be worked out", errors=problems)
        estimate = benefits.channel_shift_estimate(
            programme=programme,
            actor=request.user,
            service_slug=post.get("service", "").strip(),
            from_channel=post.get("from_channel", ""),
            to_channel=post.get("to_channel", ""),
            **parsed,
        )
        if post.get("apply"):
            benefits.initiative_savings_from_channel_shift(actor=request.user, initiative=row, estimate=estimate)
            messages.success(request, _("Savings set from insight"))
            return HttpResponseRedirect(programme_url(programme, "portfolio:initiative", code=code))
    except TownhallError as error:
        errors, field_errors = form_errors(error, "service")
        return _initiative_page(
            request, organisation, programme, row, errors, field_errors, error.status, shift_form=post
        )
    return _initiative_page(request, organisation, programme, row, [], {}, 200, shift_form=post, estimate=estimate)
