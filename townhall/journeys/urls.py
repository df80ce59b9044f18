from django.urls import include, path

from townhall.journeys.payments import local as local_pay
from townhall.journeys.views import groups, journey, residents, staff

app_name = "journeys"

_service = "services/<slug:org>/<slug:service>/"

urlpatterns = [
    path(_service, journey.start, name="start"),
    path(_service + "check-answers/", journey.check_answers, name="check-answers"),
    path(_service + "confirmation/", journey.confirmation, name="confirmation"),
    path(_service + "save/", residents.save_for_later, name="save"),
    path(_service + "payment/return/", residents.payment_return, name="payment-return"),
    path(_service + "<slug:page_id>/", journey.page, name="page"),
    path(_service + "<slug:page_id>/add/", groups.group_item, name="group-add"),
    path(_service + "<slug:page_id>/<int:index>/", groups.group_item, name="group-item"),
    path(_service + "<slug:page_id>/<int:index>/remove/", groups.group_remove, name="group-remove"),
    path("resume/<str:signed>/", residents.resume, name="resume"),
    path("your-applications/", residents.applications, name="applications"),
    path("your-applications/<str:signed>/", residents.applications_confirm, name="applications-confirm"),
    path("staff/assisted/<slug:organisation_slug>/", staff.assisted, name="assisted"),
    path(
        "staff/journeys/walk/<slug:organisation_slug>/<slug:service_slug>/<int:number>/",
        staff.walk_version,
        name="walk",
    ),
    path("_local/pay/", include((local_pay.urlpatterns, "local_pay"))),
]
