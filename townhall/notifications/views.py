"""Back-office pages for mail: the triage queue (file on a case, or close) and the organisation's sender."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.core.errors import TownhallError
from townhall.core.models import Organisation
from townhall.core.roles import Permission
from townhall.core.views import organisation_page
from townhall.core.views.rendering import render_staff
from townhall.notifications.models import SenderKind
from townhall.notifications.selectors import inbound_triage_list, sender_setting_get
from townhall.notifications.senders.notify import KEY_TYPES
from townhall.notifications.services.sender_settings import FIELDS, sender_setting_save
from townhall.notifications.services.triage import inbound_close, inbound_file_on_case

# Why a message is waiting, in words a caseworker uses.
TRIAGE_REASONS = {
    "unmatched": "It matched no case",
    "no_such_case": "The case it names does not exist here",
    "virus": "A virus was found",
    "executable_attachment": "It has a program attached",
    "attachment_too_large": "An attachment is too large",
    "scanner_unavailable": "Its attachments could not be scanned",
    "spf_failed": "The sender's domain did not vouch for it (SPF failed)",
    "message_too_large": "The message is too large",
    "unreadable": "The message could not be read",
    "handler_failed": "Filing it on the case failed",
    "no_inbound_handler": "No service files mail on cases here",
}


def _crumbs(organisation: Organisation, here: str) -> list[dict[str, str]]:
    return [{"text": _("Staff home"), "href": reverse("core:staff-home")}, {"text": f"{organisation.name}: {here}"}]


def _triage_page(
    request: HttpRequest, organisation: Organisation, errors: list[dict[str, str]] | None = None, status: int = 200
) -> HttpResponse:
    return render_staff(
        request,
        "notifications/triage.html",
        {
            "organisation": organisation,
            "inbox": inbound_triage_list(organisation=organisation, actor=request.user),
            "reasons": TRIAGE_REASONS,
            "errors": errors or [],
            "form": request.POST if errors else {},
            "breadcrumbs": _crumbs(organisation, _("Mail to triage")),
        },
        status=status,
    )


@organisation_page(Permission.WORK_CASES)
def triage(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return _triage_page(request, organisation)


@organisation_page(Permission.WORK_CASES)
@require_POST
def triage_act(request: HttpRequest, organisation: Organisation, message_id: int, act: str) -> HttpResponse:
    if act not in {"file", "close"}:
        raise Http404("No such action")
    try:
        if act == "file":
            filed = inbound_file_on_case(
                organisation=organisation,
                actor=request.user,
                message_id=message_id,
                case_reference=request.POST.get("case_reference", ""),
            )
            messages.success(request, _("Filed on case %(reference)s") % {"reference": filed.case_reference})
        else:
            inbound_close(
                organisation=organisation,
                actor=request.user,
                message_id=message_id,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Message closed"))
    except TownhallError as error:
        field = "case_reference" if act == "file" else "reason"
        items = [{"text": e.message, "href": f"#{e.path or field}-{message_id}"} for e in error.errors] or [
            {"text": error.detail, "href": f"#{field}-{message_id}"}
        ]
        return _triage_page(request, organisation, errors=items, status=error.status)
    return HttpResponseRedirect(reverse("notifications:triage", kwargs={"organisation_slug": organisation.slug}))


@organisation_page(Permission.MANAGE_ORGANISATION)
def sender(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        try:
            sender_setting_save(
                organisation=organisation, actor=request.user, **{f: request.POST.get(f, "") for f in FIELDS}
            )
        except TownhallError as error:
            errors = [{"text": e.message, "href": f"#{e.path or 'sender'}"} for e in error.errors]
            status = error.status
        else:
            messages.success(request, _("Sender saved"))
            return HttpResponseRedirect(
                reverse("notifications:sender", kwargs={"organisation_slug": organisation.slug})
            )
    setting = sender_setting_get(organisation=organisation, actor=request.user)
    return render_staff(
        request,
        "notifications/sender.html",
        {
            "organisation": organisation,
            "form": request.POST if errors else {f: getattr(setting, f) for f in FIELDS},
            "field_errors": {e["href"].lstrip("#"): e["text"] for e in errors},
            "errors": errors,
            "kinds": SenderKind.choices,
            "key_types": KEY_TYPES,
            "breadcrumbs": _crumbs(organisation, _("How messages are sent")),
        },
        status=status,
    )
