from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from townhall.api import api
from townhall.opendata.views import public as opendata_public

urlpatterns = [
    path("", include("townhall.core.ops.urls")),  # /healthz, /readyz, /metrics
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("", include("townhall.core.urls")),
    path("", include("townhall.catalogue.urls")),
    path("", include("townhall.journeys.urls")),
    path("staff/cases/", include("townhall.cases.urls")),
    path("staff/mail/", include("townhall.notifications.urls")),
    path("", include("townhall.sharing.urls")),
    path("staff/insight/", include("townhall.insight.urls")),
    path("staff/portfolio/", include("townhall.portfolio.urls")),
    path("accessibility/", TemplateView.as_view(template_name="pages/accessibility.html"), name="accessibility"),
    path("open-data/", opendata_public.index, name="open-data"),
    path("", include("townhall.opendata.urls")),
]

# Error pages for people (templates/errors/); the JSON API answers with problems instead.
handler400 = "townhall.core.views.errors.bad_request"
handler403 = "townhall.core.views.errors.permission_denied"
handler404 = "townhall.core.views.errors.page_not_found"
handler500 = "townhall.core.views.errors.server_error"

if settings.OIDC_ENABLED:  # staff single sign-on (townhall/core/oidc.py); the library reverses these names unnamespaced
    from townhall.core.oidc import oidc_urlpatterns

    urlpatterns += [path("staff/oidc/", include(oidc_urlpatterns()))]
