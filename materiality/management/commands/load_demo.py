"""Load the demo data and print the demo log-ins: `manage.py load_demo`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from materiality import demo


class Command(BaseCommand):
    help = "Load the demo cycle (libraries, groups, contacts, log-ins); safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        logins = demo.load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in at http://127.0.0.1:8000/ as:"))
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} password {password:<16} ({role})")
