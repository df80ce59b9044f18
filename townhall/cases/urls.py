from django.urls import path

from townhall.cases.views import case, queue

app_name = "cases"

urlpatterns = [
    path("", queue.index, name="index"),
    path("<slug:organisation_slug>/", queue.queue, name="queue"),
    path("<slug:organisation_slug>/my-work/", queue.mine, name="my-work"),
    path("<slug:organisation_slug>/assign/", queue.bulk_assign, name="bulk-assign"),
    path("<slug:organisation_slug>/<str:reference>/", case.detail, name="case"),
    path("<slug:organisation_slug>/<str:reference>/decide/", case.decide, name="decide"),
    path("<slug:organisation_slug>/<str:reference>/notes/", case.note, name="note"),
    path("<slug:organisation_slug>/<str:reference>/assign/", case.assign, name="assign"),
    path("<slug:organisation_slug>/<str:reference>/link/", case.link, name="link"),
    path("<slug:organisation_slug>/<str:reference>/email/", case.email_resident, name="email-resident"),
    path("<slug:organisation_slug>/<str:reference>/documents/<int:document_id>/", case.document, name="document"),
]
