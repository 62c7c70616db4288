"""Load the demo data and print the demo log-ins: `manage.py load_demo`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from materiality import demo


class Command(BaseCommand):
    help = "Load the demo cycle (libraries, groups, contacts, log-ins); safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        logins = demo.load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Log in at {settings.SITE_URL}/ as:"))
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} password {password:<16} ({role})")
        link = demo.rater_link()
        if link:
            self.stdout.write(f"A rater's link (an internal ESG expert, part-way through rating the IROs): {link}")
