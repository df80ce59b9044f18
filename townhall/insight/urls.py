from django.urls import path

from townhall.insight import views

app_name = "insight"

# "benchmarking" and "settings" come before the service pattern, so no service may take those slugs here.
urlpatterns = [
    path("<slug:organisation_slug>/", views.dashboard, name="dashboard"),
    path("<slug:organisation_slug>/benchmarking/", views.benchmarking, name="benchmarking"),
    path("<slug:organisation_slug>/settings/", views.settings, name="settings"),
    path("<slug:organisation_slug>/<slug:service_slug>/", views.dashboard, name="service"),
]
