from django.urls import path

from townhall.opendata.views import public, staff

app_name = "opendata"

_dataset = "open-data/<slug:organisation_slug>/<slug:dataset_slug>/"

urlpatterns = [
    path("open-data/catalog", public.catalog, name="catalog"),
    path("open-data/catalog.jsonld", public.catalog_jsonld, name="catalog-jsonld"),
    path("open-data/catalog.ttl", public.catalog_turtle, name="catalog-turtle"),
    path(_dataset, public.dataset, name="dataset"),
    path(_dataset + "<int:number>.csv", public.download_csv, name="download-csv"),
    path(_dataset + "<int:number>.json", public.download_json, name="download-json"),
    path(_dataset + "<int:number>-metadata.json", public.download_csvw, name="download-csvw"),
    path(_dataset + "<int:number>/datapackage.json", public.datapackage, name="datapackage"),
    path("staff/open-data/<slug:organisation_slug>/", staff.datasets, name="staff-datasets"),
    path("staff/open-data/<slug:organisation_slug>/set-up/", staff.create_standard, name="staff-create-standard"),
    path("staff/open-data/<slug:organisation_slug>/<slug:dataset_slug>/rules/", staff.rules, name="staff-rules"),
    path("staff/open-data/<slug:organisation_slug>/<slug:dataset_slug>/publish/", staff.publish, name="staff-publish"),
]
