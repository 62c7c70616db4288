"""Load a shipped issue-library template with its stakeholder groups: `manage.py load_library calb-2024`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from materiality import services


class Command(BaseCommand):
    help = "Load a shipped library template (topics and respondent groups); loading twice changes nothing."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("template", help=f"one of: {', '.join(services.shipped_templates())}")
        parser.add_argument("--year", type=int, default=None,
                            help="the reporting year to load it as (default: the template's year; for a taxonomy "
                                 "such as esrs-2023, the year after the newest library)")

    def handle(self, *args: object, template: str, year: int | None = None, **options: object) -> None:
        try:
            summary = services.load_library(template, year=year)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Loaded {template}: libraries {', '.join(summary.libraries)}; "
            f"{summary.topics_created} topics and {summary.groups_created} groups created."
        )
