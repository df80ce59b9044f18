from django.urls import path

from townhall.core.views import pages

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("staff/", pages.staff_home, name="staff-home"),
    path("staff/sign-in/", pages.sign_in_placeholder, name="sign-in"),
]
