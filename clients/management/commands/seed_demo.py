import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.demo import DEFAULT_LISTING_COUNT, DemoSeedError, seed_demo


class Command(BaseCommand):
    help = (
        "Seed demo agents, contacts, portal clients and listings with photos. Safe to run again: "
        "it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--listings",
            type=int,
            default=DEFAULT_LISTING_COUNT,
            help=f"How many demo listings should exist (default {DEFAULT_LISTING_COUNT}).",
        )

    def handle(self, *args, listings: int, **options):
        if listings < 0:
            raise CommandError("--listings must be zero or more.")
        started = time.monotonic()
        try:
            report = seed_demo(listing_count=listings)
        except (DemoSeedError, ValidationError) as exc:
            raise CommandError(f"Demo seed failed, nothing was written: {exc}") from exc
        elapsed = time.monotonic() - started

        added = ", ".join(f"{n} {what}" for what, n in report.created.items() if n) or "nothing"
        self.stdout.write(f"Added {added} in {elapsed:.1f}s.")
        self.stdout.write(
            "Totals: " + ", ".join(f"{n} {what}" for what, n in report.totals.items())
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (sign in at /accounts/login/):"))
        width = max(len(login.label) for login in report.logins)
        for login in report.logins:
            self.stdout.write(f"  {login.label:<{width}}  {login.email:<20}  {login.password}")
        self.stdout.write(f"Media files are under {settings.MEDIA_ROOT}.")
