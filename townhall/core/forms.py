"""Forms for staff sign-in and organisation admin. They parse input only: no business logic here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from townhall.core.errors import TownhallError
from townhall.core.models import OrganisationKind
from townhall.core.roles import Role


class SignInForm(forms.Form):
    username = forms.CharField(
        max_length=254, error_messages={"required": _("Enter your username or email address")}, strip=True
    )
    password = forms.CharField(max_length=4096, strip=False, error_messages={"required": _("Enter your password")})


class CodeForm(forms.Form):
    token = forms.CharField(max_length=32, error_messages={"required": _("Enter the code from your authenticator app")})


STAFF_ROLES = [(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN]
KEY_SCOPES = [(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN]


class MemberGrantForm(forms.Form):
    identifier = forms.CharField(
        max_length=254, error_messages={"required": _("Enter the username or email address of the member of staff")}
    )
    role = forms.ChoiceField(choices=STAFF_ROLES, error_messages={"required": _("Select a role")})
    team = forms.CharField(max_length=100, required=False)


class MemberRevokeForm(forms.Form):
    user_id = forms.IntegerField()
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role])


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, error_messages={"required": _("Enter a name for the key")})
    scopes = forms.MultipleChoiceField(choices=KEY_SCOPES, error_messages={"required": _("Select at least one scope")})


class OrganisationCreateForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": _("Enter the organisation's name")})
    name_cy = forms.CharField(max_length=200, required=False)
    slug = forms.SlugField(
        max_length=64,
        error_messages={
            "required": _("Enter a short name for web addresses"),
            "invalid": _("The short name can only have lowercase letters, numbers and hyphens"),
        },
    )
    kind = forms.ChoiceField(
        choices=OrganisationKind.choices, error_messages={"required": _("Select the kind of organisation")}
    )
    code = forms.CharField(max_length=32, error_messages={"required": _("Enter the organisation's official code")})
    welsh_enabled = forms.BooleanField(required=False)


def add_service_error(form: forms.Form, error: TownhallError, field: str | None = None) -> None:
    """Attach a service's error to the form so the page shows it in the GOV.UK error summary."""
    if error.errors:
        for item in error.errors:
            form.add_error(item.path if item.path in form.fields else field, item.message)
    else:
        form.add_error(field, error.detail)


def error_list(form: forms.Form) -> list[dict[str, Any]]:
    """The form's errors as govukErrorSummary's errorList: each links to its field."""
    items: list[dict[str, Any]] = []
    for name, messages in form.errors.items():
        for message in messages:
            href = f"#{name}" if name != NON_FIELD_ERRORS else "#main-content"
            items.append({"text": str(message), "href": href})
    return items


def field_error(form: forms.Form, name: str) -> dict[str, str] | None:
    """govukInput's errorMessage for one field, or None."""
    errors = form.errors.get(name)
    return {"text": str(errors[0])} if errors else None
