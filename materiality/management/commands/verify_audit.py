"""Check the audit trail's hash chain: `manage.py verify_audit [--expect SEQ:HASH ...]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from materiality import audit


class Command(BaseCommand):
    help = ("Walk the whole audit chain; print how many entries were checked and the head found (SEQ:HASH), or "
            "name the first entry that fails. The chain must also reach every head kept outside it: each earlier "
            "check's, the registered anchor sources' and each --expect.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expect", action="append", default=[], metavar="SEQ:HASH",
                            help="a head printed or stored earlier, which the chain must still contain (repeatable)")

    def handle(self, *args: object, **options: object) -> None:
        try:
            expected = [audit.Head.parse(text, source=f"--expect {text}") for text in options["expect"]]  # type: ignore[attr-defined]
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            result, _ = audit.check_chain(full=True, expected=expected)
        except DatabaseError as exc:
            raise CommandError(f"Cannot read the audit trail: {exc}".strip()) from None
        if not result.ok:
            self.stdout.write(f"Head: {result.head}")
            entry = result.first_bad
            where = (f" at entry {entry.pk} ({entry.created_at:%Y-%m-%d %H:%M:%S} {entry.actor_name} {entry.action} "
                     f"{entry.object_repr})" if entry is not None else "")
            raise CommandError(f"Audit chain broken{where}: {result.reason}. "
                               f"{result.checked} entries before it are intact.")
        self.stdout.write(f"Audit chain intact: {result.checked} entries checked. "
                          f"Heads kept outside the chain and found in it: {result.anchors}.")
        self.stdout.write(f"Head: {result.head}")
