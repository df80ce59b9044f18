"""Referring a case to a partner's service ("tell us once") under an agreement."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from townhall.cases.models import Case, Channel
from townhall.cases.services import case_open
from townhall.catalogue.selectors import published_version
from townhall.core.errors import PermissionDenied
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.notifications.services import notification_queue
from townhall.sharing import policy
from townhall.sharing.models import Agreement, Referral
from townhall.sharing.services.access import access_decide

CASE_FIELD_SOURCES = {
    "case.resident_name": "resident_name",
    "case.resident_email": "resident_email",
    "case.postcode": "postcode",
}

RESIDENT_TOLD = {
    "en": (
        "Your request {source} has been passed to {partner}",
        "We have passed the details you gave us for {source} to {partner}, under a data-sharing agreement, "
        "for this purpose: {purpose}. Only the details that agreement allows were shared. {partner} will use "
        "reference {target}.",
    ),
    "cy": (
        "Mae eich cais {source} wedi'i drosglwyddo i {partner}",
        "Rydym wedi trosglwyddo'r manylion a roesoch i ni ar gyfer {source} i {partner}, o dan gytundeb rhannu "
        "data, at y diben hwn: {purpose}. Dim ond y manylion a ganiateir gan y cytundeb hwnnw a rannwyd. "
        "Bydd {partner} yn defnyddio cyfeirnod {target}.",
    ),
}


def referral_create(
    *,
    actor: Any,
    case: Case,
    agreement_ref: str,
    purpose: str,
    partner: Organisation,
    partner_service: str,
    request_id: str = "",
) -> Referral:
    """Refer ``case`` to ``partner``'s published service. The partner's new case holds only agreed fields.

    Cedar decides as the partner receiving the data; the decision is logged and audited whether or not
    it allows anything. Refused entirely → PermissionDenied naming the reasons.
    """
    require(actor, case.organisation, Permission.WORK_CASES)
    target_version = published_version(organisation_code=partner.code, service_slug=partner_service)
    requested = [*case.answers.keys(), *CASE_FIELD_SOURCES]
    decision = access_decide(
        actor=None,  # the platform acts for the partner under the agreement; the caseworker is audited below
        requester=partner,
        agreement_ref=agreement_ref,
        purpose=purpose,
        action=policy.AccessAction.REFERRAL,
        case=case,
        fields=requested,
        request_id=request_id,
    )
    if not decision.allowed:
        raise PermissionDenied(
            f"The agreement does not allow this referral: {', '.join(decision.reasons)}", code="referral_refused"
        )
    agreement = Agreement.objects.get(pk=int(agreement_ref.removeprefix("DSA-")))
    answers = {k: v for k, v in case.answers.items() if k in decision.fields}
    case_data = {src: getattr(case, attr) for src, attr in CASE_FIELD_SOURCES.items() if src in decision.fields}
    with transaction.atomic():
        target = case_open(
            organisation=partner,
            version=target_version,
            answers=answers,
            channel=Channel.REFERRAL,
            actor=None,
            resident_email=case_data.get("case.resident_email", ""),
            resident_name=case_data.get("case.resident_name", ""),
            postcode=case_data.get("case.postcode", ""),
            language=case.language,
        )
        referral = Referral.objects.create(
            agreement=agreement,
            purpose=purpose,
            source_organisation=case.organisation,
            source_case=case,
            target_organisation=partner,
            target_case=target,
            fields_shared=list(decision.fields),
            referred_by=actor,
        )
        if case.resident_email:
            subject, body = RESIDENT_TOLD.get(case.language, RESIDENT_TOLD["en"])
            words = {
                "source": case.reference,
                "partner": partner.name_cy if case.language == "cy" and partner.name_cy else partner.name,
                "purpose": purpose.replace("-", " "),
                "target": target.reference,
            }
            notification_queue(
                organisation=case.organisation,
                channel="email",
                to=case.resident_email,
                subject=subject.format(**words),
                body=body.format(**words),
                language=case.language,
                case_reference=case.reference,
                kind="referral",
            )
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="referral.made",
            object_type="case",
            object_id=case.reference,
            data={
                "agreement": agreement_ref,
                "partner": partner.code,
                "partner_case": target.reference,
                "fields": list(decision.fields),
            },
        )
    return referral
