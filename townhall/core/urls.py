from django.urls import path

from townhall.core.views import auth, pages, staff

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("staff/", staff.staff_home, name="staff-home"),
    path("staff/sign-in/", auth.sign_in_page, name="sign-in"),
    path("staff/sign-in/code/", auth.sign_in_code, name="sign-in-code"),
    path("staff/sign-in/set-up-authenticator/", auth.sign_in_set_up, name="sign-in-set-up"),
    path("staff/sign-in/backup-codes/", auth.backup_codes, name="backup-codes"),
    path("staff/sign-out/", auth.sign_out, name="sign-out"),
    path("staff/organisations/new/", staff.organisation_new, name="organisation-new"),
    path("staff/organisations/<slug:slug>/members/", staff.members, name="members"),
    path("staff/organisations/<slug:slug>/members/remove/", staff.member_revoke, name="member-revoke"),
    path("staff/organisations/<slug:slug>/api-keys/", staff.api_keys, name="api-keys"),
    path(
        "staff/organisations/<slug:slug>/api-keys/<int:key_id>/revoke/",
        staff.api_key_revoke_view,
        name="api-key-revoke",
    ),
]
