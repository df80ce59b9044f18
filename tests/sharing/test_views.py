"""Sharing pages: the public register, approval and suspension in the back office, the SAR document."""

from __future__ import annotations

from townhall.core.roles import Role
from townhall.sharing.models import AgreementStatus
from townhall.sharing.services.rights import rights_request_record, subject_access_gather


def test_the_public_register_lists_agreements_in_force(client, agreement):
    response = client.get("/sharing/register/")
    assert response.status_code == 200
    page = response.content.decode()
    assert agreement.code in page and "Planning a safe discharge from hospital" in page


def test_each_party_approves_in_the_back_office(
    draft_agreement, county, trust, county_admin, trust_admin, verified_client
):
    for organisation, admin in ((county, county_admin), (trust, trust_admin)):
        client = verified_client(admin)
        page = client.get(f"/staff/sharing/{organisation.slug}/{draft_agreement.code}/")
        assert page.status_code == 200 and "permit(" in page.content.decode()
        response = client.post(f"/staff/sharing/{organisation.slug}/{draft_agreement.code}/approve/")
        assert response.status_code == 302
    draft_agreement.refresh_from_db()
    assert draft_agreement.status == AgreementStatus.ACTIVE


def test_suspending_without_a_reason_shows_an_error_summary(agreement, trust, trust_admin, verified_client):
    client = verified_client(trust_admin)
    response = client.post(f"/staff/sharing/{trust.slug}/{agreement.code}/suspend/", {"reason": ""})
    assert response.status_code == 422
    assert "govuk-error-summary" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_another_organisation_and_a_caseworker_see_nothing(agreement, county, district, make_staff, verified_client):
    outsider = verified_client(make_staff(district, Role.ORGANISATION_ADMIN))
    assert outsider.get(f"/staff/sharing/{county.slug}/{agreement.code}/").status_code == 404
    assert outsider.get(f"/staff/sharing/{district.slug}/{agreement.code}/").status_code == 404
    caseworker = verified_client(make_staff(county, Role.CASEWORKER))
    assert caseworker.get(f"/staff/sharing/{county.slug}/").status_code == 404
    assert caseworker.post(f"/staff/sharing/{county.slug}/{agreement.code}/approve/").status_code == 404


def test_the_subject_access_answer_is_readable_and_machine_readable(
    county, county_admin, resident_case, verified_client
):
    request = rights_request_record(
        actor=county_admin, organisation=county, kind="subject_access", resident_email="gwen@example.test"
    )
    subject_access_gather(actor=county_admin, request=request)
    client = verified_client(county_admin)
    document = client.get(f"/staff/rights/{county.slug}/{request.reference}/")
    assert document.status_code == 200 and resident_case.reference in document.content.decode()
    bundle = client.get(f"/staff/rights/{county.slug}/{request.reference}/bundle.json")
    assert bundle.status_code == 200 and bundle.json()["cases"][0]["reference"] == resident_case.reference


def test_a_caseworker_refers_a_case_and_sees_the_partners_progress(
    agreement, county, resident_case, discharge, make_staff, verified_client
):
    client = verified_client(make_staff(county, Role.CASEWORKER))
    url = f"/staff/refer/{county.slug}/{resident_case.reference}/"
    page = client.get(url)
    assert page.status_code == 200 and "Downshire Hospitals NHS Trust" in page.content.decode()
    empty = client.post(url, {"option": ""})
    assert empty.status_code == 422 and "govuk-error-summary" in empty.content.decode()
    option = f"{agreement.code}|hospital-discharge|R9X|hospital-discharge-support"
    made = client.post(url, {"option": option, "request_id": "double-click-1"})
    assert made.status_code == 302
    again = client.post(url, {"option": option, "request_id": "double-click-1"})  # a double click
    assert again.status_code == 422
    assert resident_case.referrals_made.count() == 1
    assert "referred" in client.get(url).content.decode()


def test_rights_requests_are_recorded_gathered_and_passed_on_in_the_back_office(
    county, county_admin, trust, trust_admin, resident_case, agreement, discharge, make_staff, verified_client
):
    from townhall.sharing.models import RightsRequest, RightsRequestStatus
    from townhall.sharing.services.referrals import referral_create

    referral_create(
        actor=make_staff(county, Role.CASEWORKER),
        case=resident_case,
        agreement_ref=agreement.code,
        purpose="hospital-discharge",
        partner=trust,
        partner_service="hospital-discharge-support",
    )
    client = verified_client(county_admin)
    url = f"/staff/rights/{county.slug}/"
    bad = client.post(url, {"kind": "erasure", "resident_email": "gwen@example.test", "case_references": ""})
    assert bad.status_code == 422 and "govuk-error-summary" in bad.content.decode()
    assert client.post(url, {"kind": "subject_access", "resident_email": "gwen@example.test"}).status_code == 302
    assert (
        client.post(
            url, {"kind": "erasure", "resident_email": "gwen@example.test", "case_references": resident_case.reference}
        ).status_code
        == 302
    )
    for request in RightsRequest.objects.all():
        assert client.post(f"{url}{request.reference}/act/").status_code == 302
    sar = RightsRequest.objects.get(kind="subject_access")
    assert sar.status == RightsRequestStatus.GATHERED and sar.bundle["cases"]
    page = client.get(url).content.decode()
    assert "Record as sent to the resident" in page and f"/cases/{county.slug}/{sar.case.reference}/" in page
    assert client.post(f"{url}{sar.reference}/act/").status_code == 302
    sar.refresh_from_db()
    assert sar.status == RightsRequestStatus.COMPLETED and sar.case.state == "completed"
    erasure = RightsRequest.objects.get(kind="erasure")
    assert erasure.status == RightsRequestStatus.WAITING_ON_RECIPIENTS
    partner = verified_client(trust_admin)
    page = partner.get(f"/staff/rights/{trust.slug}/").content.decode()
    assert "Erasure" in page
    notice = erasure.notices.get()
    assert partner.post(f"/staff/rights/{trust.slug}/notices/{notice.pk}/", {"outcome": ""}).status_code == 422
    assert partner.post(f"/staff/rights/{trust.slug}/notices/{notice.pk}/", {"outcome": "Erased"}).status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == RightsRequestStatus.COMPLETED
    # another organisation cannot see or complete it
    outsider = verified_client(make_staff(county, Role.ORGANISATION_ADMIN))
    assert outsider.post(f"/staff/rights/{county.slug}/notices/{notice.pk}/", {"outcome": "x"}).status_code == 404
