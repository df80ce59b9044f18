from django.urls import path

from townhall.catalogue.views import directory, staff

app_name = "catalogue"

_version = "staff/definitions/<slug:organisation_slug>/<slug:service_slug>/<int:number>/"

urlpatterns = [
    path("services/", directory.service_directory, name="directory"),
    path("schemas/service-definition/v1.json", directory.schema_v1, name="schema-v1"),
    path("staff/definitions/", staff.definition_index, name="staff-list"),
    path("staff/definitions/upload/", staff.definition_upload, name="upload"),
    path("staff/definitions/adopt/", staff.adopt_index, name="adopt-index"),
    path("staff/definitions/adopt/<int:version_id>/", staff.adopt, name="adopt"),
    path(_version, staff.version_detail, name="version"),
    path(_version + "publish/", staff.version_publish, name="publish"),
    path(_version + "check/", staff.version_check, name="check"),
    path(_version + "retire/", staff.version_retire, name="retire"),
    path(_version + "new-version/", staff.version_new_draft, name="new-draft"),
    path(_version + "export/", staff.version_export, name="export"),
]
