"""The Jinja2 environment for every page: GOV.UK Frontend macros, URLs, static files, i18n."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, PrefixLoader

from townhall.catalogue.model import NAME_TOKENS


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    app_loader = options.pop("loader")
    govuk = PackageLoader("govuk_frontend_jinja", "templates")
    options["loader"] = ChoiceLoader(
        [
            app_loader,
            # Our templates come first, so townhall/templates/govuk_frontend_jinja/ can shadow one upstream
            # macro; the shadowing macro reaches the original under the "_upstream" prefix.
            PrefixLoader({"govuk_frontend_jinja": govuk, "govuk_frontend_jinja_upstream": govuk}),
        ]
    )
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    options["autoescape"] = True
    # GOV.UK Frontend macros read nested optional params (params.hint.text): undefined must chain.
    options["undefined"] = ChainableUndefined
    env = Environment(**options)  # noqa: S701 - autoescape is set True above
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        url=url,
        static=static,
        get_language=translation.get_language,
        site_name="Townhall",
        name_tokens=NAME_TOKENS,  # autofill tokens of a person's name: journeys/_questions.html
        settings_debug=settings.DEBUG,
    )
    env.filters["govuk_date"] = lambda value: date_format(value, "j F Y") if value else ""
    env.filters["govuk_datetime"] = lambda value: date_format(value, "j F Y, g:ia") if value else ""
    return env
