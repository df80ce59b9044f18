from django.urls import path

from townhall.notifications import views

app_name = "notifications"

urlpatterns = [
    path("<slug:organisation_slug>/", views.triage, name="triage"),
    path("<slug:organisation_slug>/sender/", views.sender, name="sender"),
    path("<slug:organisation_slug>/<int:message_id>/<str:act>/", views.triage_act, name="triage-act"),
]
