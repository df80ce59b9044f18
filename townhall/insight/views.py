"""Back-office pages for insight: dashboards (across services, or one), benchmarking, unit costs."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.core.errors import TownhallError
from townhall.core.models import Organisation
from townhall.core.permissions import can
from townhall.core.roles import Permission
from townhall.core.views import organisation_page
from townhall.core.views.rendering import error_page, render_staff
from townhall.insight.calc import CHANNELS
from townhall.insight.periods import PeriodChoice, parse_periods
from townhall.insight.presenting import CHANNEL_LABELS, charts_for, csv_rows, money, pct, summary_rows
from townhall.insight.selectors.benchmark import benchmark_get
from townhall.insight.selectors.dashboard import dashboard_get
from townhall.insight.selectors.settings import insight_settings_get
from townhall.insight.services.settings import insight_settings_save


def _crumbs(organisation: Organisation, *trail: tuple[str, str | None]) -> list[dict[str, str]]:
    items = [{"text": _("Staff home"), "href": reverse("core:staff-home")}]
    for n, (text, href) in enumerate(trail):
        item = {"text": f"{organisation.name}: {text}" if n == 0 else text}
        if href:
            item["href"] = href
        items.append(item)
    return items


def _period_errors(choice: PeriodChoice) -> list[dict[str, str]]:
    return [{"text": message, "href": f"#{field}"} for field, message in choice.errors]


def _query(choice: PeriodChoice, **extra: str) -> str:
    params = choice.period.as_query()
    if choice.comparison is not None:
        params.update(choice.comparison.as_query("compare_"))
    return urlencode({**params, **extra})


def _csv(rows: list[list[str]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response


@organisation_page(Permission.VIEW_INSIGHT)
def dashboard(request: HttpRequest, organisation: Organisation, service_slug: str | None = None) -> HttpResponse:
    choice = parse_periods(request.GET, timezone.localdate())
    context: dict[str, Any] = {
        "organisation": organisation,
        "choice": choice,
        "errors": _period_errors(choice),
        "can_configure": can(request.user, organisation, Permission.MANAGE_ORGANISATION),
        "breadcrumbs": _crumbs(organisation, (_("Insight"), None)),
    }
    if choice.errors:
        return render_staff(request, "insight/dashboard.html", context, status=400)
    try:
        data = dashboard_get(
            organisation=organisation,
            actor=request.user,
            service_slug=service_slug,
            period=choice.period,
            comparison=choice.comparison,
        )
    except TownhallError as error:
        return error_page(request, error)
    if request.GET.get("format") == "csv":
        name = f"insight-{organisation.slug}-{service_slug or 'all-services'}-{choice.period.start:%Y-%m}.csv"
        return _csv(csv_rows(data), name)
    if data.service is not None:
        home = reverse("insight:dashboard", kwargs={"organisation_slug": organisation.slug})
        context["breadcrumbs"] = _crumbs(organisation, (_("Insight"), home), (data.service.title, None))
    context.update(
        dashboard=data,
        summary=summary_rows(data),
        charts=charts_for(data),
        query=_query(choice),
        csv_query=_query(choice, format="csv"),
        savings=money(data.savings) if data.savings is not None else None,
        costs=[(CHANNEL_LABELS[c], money(data.costs[c])) for c in CHANNELS],
        pct=pct,
        money=money,
    )
    return render_staff(request, "insight/dashboard.html", context)


@organisation_page(Permission.VIEW_INSIGHT)
def benchmarking(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    choice = parse_periods(request.GET, timezone.localdate())
    home = reverse("insight:dashboard", kwargs={"organisation_slug": organisation.slug})
    context: dict[str, Any] = {
        "organisation": organisation,
        "choice": choice,
        "errors": _period_errors(choice),
        "can_configure": can(request.user, organisation, Permission.MANAGE_ORGANISATION),
        "breadcrumbs": _crumbs(organisation, (_("Insight"), home), (_("Benchmarking"), None)),
        "pct": pct,
        "money": money,
    }
    if choice.errors:
        return render_staff(request, "insight/benchmarking.html", context, status=400)
    context["benchmark"] = benchmark_get(organisation=organisation, actor=request.user, period=choice.period)
    return render_staff(request, "insight/benchmarking.html", context)


@organisation_page(Permission.MANAGE_ORGANISATION)
def settings(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        try:
            insight_settings_save(
                organisation=organisation,
                actor=request.user,
                costs={c: request.POST.get(f"cost_{c}", "") for c in CHANNELS},
                source=request.POST.get("source", ""),
                benchmarking_opt_in=request.POST.get("benchmarking") == "yes",
            )
        except TownhallError as error:
            errors = [{"text": e.message, "href": f"#{e.path or 'cost_online'}"} for e in error.errors] or [
                {"text": error.detail, "href": "#cost_online"}
            ]
            status = error.status
        else:
            messages.success(request, _("Insight settings saved"))
            return HttpResponseRedirect(reverse("insight:settings", kwargs={"organisation_slug": organisation.slug}))
    current = insight_settings_get(organisation=organisation, actor=request.user)
    if errors:
        form = {k: request.POST.get(k, "") for k in [*(f"cost_{c}" for c in CHANNELS), "source", "benchmarking"]}
    else:
        form = {f"cost_{c}": "" if v is None else str(v) for c, v in current.own_costs.items()}
        form.update(source=current.source, benchmarking="yes" if current.benchmarking_opt_in else "")
    home = reverse("insight:dashboard", kwargs={"organisation_slug": organisation.slug})
    return render_staff(
        request,
        "insight/settings.html",
        {
            "organisation": organisation,
            "form": form,
            "errors": errors,
            "field_errors": {e["href"].lstrip("#"): e["text"] for e in errors},
            "channels": [(c, CHANNEL_LABELS[c], money(current.defaults[c])) for c in CHANNELS],
            "breadcrumbs": _crumbs(organisation, (_("Insight"), home), (_("Unit costs and benchmarking"), None)),
        },
        status=status,
    )
