from django.urls import path

from townhall.sharing.views import pages, referrals, rights

app_name = "sharing"

urlpatterns = [
    path("sharing/register/", pages.register, name="register"),
    path("staff/sharing/<slug:organisation_slug>/", pages.agreements, name="agreements"),
    path("staff/sharing/<slug:organisation_slug>/<str:ref>/", pages.agreement, name="agreement"),
    path("staff/sharing/<slug:organisation_slug>/<str:ref>/<str:act>/", pages.agreement_act, name="agreement-act"),
    path("staff/refer/<slug:organisation_slug>/<str:reference>/", referrals.refer, name="refer"),
    path("staff/rights/<slug:organisation_slug>/", rights.index, name="rights"),
    path("staff/rights/<slug:organisation_slug>/<str:reference>/act/", rights.act, name="rights-act"),
    path("staff/rights/<slug:organisation_slug>/notices/<int:notice_id>/", rights.complete, name="rights-complete"),
    path(
        "staff/rights/<slug:organisation_slug>/<str:reference>/bundle.json",
        pages.subject_access_bundle,
        name="subject-access-bundle",
    ),
    path(
        "staff/rights/<slug:organisation_slug>/<str:reference>/",
        pages.subject_access_document,
        name="subject-access-document",
    ),
]
