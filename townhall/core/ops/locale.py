"""Django's ``LocaleMiddleware`` for pages; the JSON API always runs in the default language.

A page's language is the resident's choice (the language toggle's cookie) or their browser's, as Django's
middleware finds it. The API has no such choice to make: a client names the language of what it sends (a
submission's ``language``) and problems are in English. Finding a language anyway cost every API request
about a tenth of its middleware's work, so under /api/ the default language is activated instead; nothing
then carries over from a page the same thread served before, and API responses no longer vary by
``Accept-Language``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from townhall.core.views.errors import is_api


class PageLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if is_api(request):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE  # type: ignore[attr-defined]  # as Django's sets it
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if is_api(request):
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]
