"""Import raters' ratings of IROs: `manage.py import_iro_ratings SLUG FILE.csv` (or .xlsx); all or nothing
(DESIGN.md section 4)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import iro_ratings
from materiality.iros import IroImportRefused
from materiality.models import Assessment, AssessmentFrozen
from materiality.tables import TableError, read_table


class Command(BaseCommand):
    help = "Import IRO ratings CSV/XLSX into an assessment; the same (rater, iro) replaces its rating."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("file", help="ratings file (.csv or .xlsx): rater,iro,scale,scope,irremediability,"
                                         "likelihood,magnitude,rationale")

    def handle(self, *args: object, slug: str, file: str, **options: object) -> None:
        assessment = Assessment.objects.filter(slug=slug).first()
        if assessment is None:
            raise CommandError(f"No assessment with slug {slug!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            created, replaced = iro_ratings.import_iro_ratings(assessment, read_table(path.read_bytes(), path.name))
        except TableError as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        except IroImportRefused as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"Nothing was imported: {len(exc.errors)} problem(s) listed above.") from None
        except AssessmentFrozen as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        self.stdout.write(f"Imported IRO ratings into {slug}: {created} created, {replaced} replaced.")
