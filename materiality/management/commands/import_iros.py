"""Import the IRO register: `manage.py import_iros SLUG FILE.csv` (or .xlsx); all or nothing (DESIGN.md section 4)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import iros
from materiality.models import Assessment, AssessmentFrozen
from materiality.tables import TableError, read_table


class Command(BaseCommand):
    help = "Import an IRO register CSV/XLSX into an assessment; re-importing an IRO code replaces that IRO."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("file", help="IRO register file (.csv or .xlsx) with the README's IRO columns")

    def handle(self, *args: object, slug: str, file: str, **options: object) -> None:
        assessment = Assessment.objects.select_related("library").filter(slug=slug).first()
        if assessment is None:
            raise CommandError(f"No assessment with slug {slug!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            created, updated = iros.import_iros(assessment, read_table(path.read_bytes(), path.name))
        except TableError as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        except iros.IroImportRefused as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"Nothing was imported: {len(exc.errors)} problem(s) listed above.") from None
        except AssessmentFrozen as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        self.stdout.write(f"Imported the IRO register of {slug}: {created} created, {updated} replaced.")
