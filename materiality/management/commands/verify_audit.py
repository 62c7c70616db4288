"""Check the audit trail's hash chain: `manage.py verify_audit`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from materiality import audit


class Command(BaseCommand):
    help = "Walk the audit chain; print how many entries were checked, or name the first that fails."

    def handle(self, *args: object, **options: object) -> None:
        result = audit.verify()
        if not result.ok:
            entry = result.first_bad
            raise CommandError(
                f"Audit chain broken at entry {entry.pk} ({entry.created_at:%Y-%m-%d %H:%M:%S} "
                f"{entry.actor_name} {entry.action} {entry.object_repr}): {result.reason}. "
                f"{result.checked} entries before it are intact."
            )
        self.stdout.write(f"Audit chain intact: {result.checked} entries checked.")
