"""Runs parts of the platform in a separate process for the kill tests: migrate, seed, work, report.

Usage: python -m tests.notifications.worker_harness <migrate|seed|work|report> [--count N] [--smtp-port P]
with DATABASE_URL naming a database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault(
    "MID_DOWNS_NOTIFY_KEY", "townhall_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
)

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["migrate", "seed", "work", "report"])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--smtp-port", type=int, default=25)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1, help="work: delivery loops in the worker process")
    parser.add_argument("--batch-size", type=int, default=50, help="work: messages each loop claims at a time")
    parser.add_argument("--notify-url", default="", help="seed: send through Notify at this base URL, not SMTP")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = args.smtp_port
    settings.NOTIFICATIONS_LEASE_SECONDS = args.lease
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = min(args.lease / 2, 5)
    settings.NOTIFICATIONS_BACKOFF_BASE_SECONDS = 0.1
    settings.NOTIFICATIONS_BACKOFF_CAP_SECONDS = 0.5
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}

    from townhall.notifications.models import Notification, SenderSetting, Status

    if args.action == "migrate":
        call_command("migrate", verbosity=0)
    elif args.action == "seed":
        from townhall.core.services.organisations import organisation_create
        from townhall.notifications.services import notification_queue

        org = organisation_create(
            actor=None, slug="mid-downs", name="Mid Downs District Council", kind="district_council", code="E07000901"
        )
        if args.notify_url:
            from tests.notifications.fake_notify import EMAIL_TEMPLATE_ID, SMS_TEMPLATE_ID

            SenderSetting.objects.create(
                organisation=org,
                sender="notify",
                notify_api_key_env="MID_DOWNS_NOTIFY_KEY",
                notify_key_type="live",
                notify_base_url=args.notify_url,
                notify_email_template_id=EMAIL_TEMPLATE_ID,
                notify_sms_template_id=SMS_TEMPLATE_ID,
            )
        else:
            SenderSetting.objects.create(organisation=org, sender="smtp", email_from="council@mid-downs.example")
        for i in range(args.count):
            notification_queue(
                organisation=org, channel="email", to=f"resident{i}@example.test", subject=f"Case {i}", body=f"Body {i}"
            )
    elif args.action == "work":
        start = time.monotonic()
        while time.monotonic() - start < args.deadline:
            call_command(
                "deliver_notifications",
                "--once",
                *("--batch-size", str(args.batch_size), "--threads", str(args.threads), "--idle-sleep", "0.1"),
            )
            unsent = Notification.objects.filter(status=Status.CREATED) | Notification.objects.filter(
                status=Status.SENDING, accepted_at__isnull=True
            )
            if not unsent.exists():
                break
            time.sleep(0.2)
    else:
        rows = list(Notification.objects.values("reference", "status", "attempts", "accepted_at"))
        json.dump([{**r, "accepted_at": str(r["accepted_at"])} for r in rows], sys.stdout)


if __name__ == "__main__":
    main()
