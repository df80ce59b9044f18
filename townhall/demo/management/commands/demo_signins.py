"""`manage.py demo_signins`: how to sign in as each demo member of staff (password, a current code, backup codes)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from townhall.demo.people import DEMO_PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Print the demo sign-ins: usernames, the password, a current authenticator code and backup codes."

    def handle(self, *args: Any, **options: Any) -> None:
        usernames = [p.username for p in PEOPLE]
        present = set(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
        if not present:
            self.stdout.write("No demo staff yet: run `manage.py demo_load` first.")
            return
        unused: dict[str, list[str]] = {}
        for username, token in StaticToken.objects.filter(device__user__username__in=usernames).values_list(
            "device__user__username", "token"
        ):
            unused.setdefault(username, []).append(token)
        self.stdout.write("Demo sign-ins at /staff/sign-in/ (demo data only: these secrets are public)")
        self.stdout.write(f"Password for everyone: {DEMO_PASSWORD}")
        self.stdout.write("Authenticator codes change every 30 seconds: run this again for fresh ones, or add the")
        self.stdout.write("setup key to an authenticator app.\n")
        width = max(len(u) for u in usernames)
        self.stdout.write(f"{'username':<{width}}  {'role':<20} {'code':<6}  {'setup key':<32}  backup codes")
        for person in PEOPLE:
            if person.username not in present:
                continue
            code = f"{totp(bytes.fromhex(person.totp_key_hex)):06d}"
            codes = [c for c in person.backup_codes if c in unused.get(person.username, [])]
            self.stdout.write(
                f"{person.username:<{width}}  {person.role:<20} {code:<6}  {person.totp_key_base32:<32}  "
                f"{' '.join(codes) or '(none left)'}"
            )
