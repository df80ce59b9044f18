from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.core.permissions import organisations_of


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/staff_home.html", {"organisations": organisations_of(request.user)})


def sign_in_placeholder(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})
