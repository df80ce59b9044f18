from django.urls import path

from townhall.portfolio import views

app_name = "portfolio"

P = "<slug:organisation_slug>/<slug:programme_slug>/"

urlpatterns = [
    path("<slug:organisation_slug>/", views.initiatives, name="initiatives"),
    path("<slug:organisation_slug>/new/", views.programme_new, name="programme-new"),  # "new" is no programme's slug
    path(P, views.programme, name="programme"),
    path(P + "settings/", views.programme_settings, name="programme-settings"),
    path(P + "export/<str:file_format>/", views.export, name="export"),
    path(P + "initiatives/new/", views.initiative_edit, name="initiative-new"),
    path(P + "initiatives/<str:code>/", views.initiative_edit, name="initiative"),
    path(P + "initiatives/<str:code>/status/", views.initiative_status, name="initiative-status"),
    path(P + "initiatives/<str:code>/channel-shift/", views.initiative_channel_shift, name="initiative-channel-shift"),
    path(P + "scenarios/", views.scenarios, name="scenarios"),
    path(P + "solve/", views.solve, name="solve"),
    path(P + "runs/<int:run_id>/", views.run, name="run"),
    path(P + "sensitivity/", views.sensitivity, name="sensitivity"),
    path(P + "roadmap/", views.roadmap, name="roadmap"),
]
