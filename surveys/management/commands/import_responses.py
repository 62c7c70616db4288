"""Import offline answers: `manage.py import_responses SLUG FILE.csv` (or .xlsx); all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality.models import Assessment, AssessmentFrozen
from materiality.services import ImportRefused
from surveys import imports, responses_csv


class Command(BaseCommand):
    help = "Import a response CSV/XLSX into an assessment; re-importing the same respondent ids replaces their answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("file", help="response file (.csv or .xlsx) with the README's response columns")

    def handle(self, *args: object, slug: str, file: str, **options: object) -> None:
        assessment = Assessment.objects.filter(slug=slug).first()
        if assessment is None:
            raise CommandError(f"No assessment with slug {slug!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with path.open("rb") as stream:
                summary = imports.import_responses(assessment, stream, path.name,
                                                   limits=responses_csv.COMMAND_LIMITS)
        except ImportRefused as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"Nothing was imported: {len(exc.errors)} problem(s) listed above.") from None
        except AssessmentFrozen as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        self.stdout.write(
            f"Imported {summary.respondents} respondent{'' if summary.respondents == 1 else 's'} "
            f"({summary.replaced} replaced) "
            f"with {summary.ratings} rating{'' if summary.ratings == 1 else 's'} into {slug}."
        )
