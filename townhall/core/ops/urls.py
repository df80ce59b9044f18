"""Operations endpoints, mounted at the site root by townhall/urls.py."""

from django.urls import path

from townhall.core.ops import health, metrics

app_name = "ops"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
