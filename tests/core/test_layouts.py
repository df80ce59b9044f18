"""The page layouts (templates/base.html, templates/staff/base.html) rendered without a browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import render_to_string
from django.test import RequestFactory

from townhall.core.roles import Role

pytestmark = pytest.mark.django_db

PAGE = (
    '{% extends "staff/base.html" %}{% block title %}Cases{% endblock %}{% block content %}<h1>Cases</h1>{% endblock %}'
)


def _render_staff(request: Any, **context: Any) -> str:
    from django.template import engines

    return engines["jinja2"].from_string(PAGE).render(context, request)


def test_staff_layout_shows_who_is_signed_in_and_a_sign_out_button(district, make_staff) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/staff/")
    request.user = make_staff(district, Role.CASEWORKER, username="alex")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    request._messages.add(constants.SUCCESS, "Case HX7K-9M3T assigned to you")  # type: ignore[attr-defined]
    html = _render_staff(
        request,
        messages=get_messages(request),
        errors=[{"text": "Enter a reason", "href": "#reason"}],
        breadcrumbs=[{"text": "Staff", "href": "/staff/"}, {"text": "Cases"}],
    )
    assert "<title>Error: Cases – Townhall</title>" in html
    assert "alex" in html
    assert 'action="/staff/sign-out/" method="post"' in html
    assert "govuk-error-summary" in html and 'href="#reason"' in html
    assert "govuk-notification-banner--success" in html and "Case HX7K-9M3T assigned to you" in html
    assert "govuk-breadcrumbs" in html
    assert "GDS Transport" not in html


def test_resident_layout_has_the_toggle_and_footer_links() -> None:
    request = RequestFactory().get("/services/mid-downs/report-missed-bin/?page=2")
    html = render_to_string("errors/404.html", {}, request=request)
    assert 'action="/i18n/setlang/"' in html
    assert 'name="next" value="/services/mid-downs/report-missed-bin/?page=2"' in html
    assert 'href="/accessibility/"' in html and 'href="/open-data/"' in html
    assert "govuk-crest" not in html and "govuk-header__logotype" not in html
