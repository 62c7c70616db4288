"""Export the latest results: `manage.py export_results SLUG [--format csv|json|xlsx] [--output FILE]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import aggregation, crosswalk, exports, services
from materiality.models import Assessment


class Command(BaseCommand):
    help = "Write the latest successful run's results (one row per topic); CSV and JSON go to stdout without --output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("--format", help="csv, json or xlsx (default: the --output file's extension, else csv)")
        parser.add_argument("--output", help="file to write (required for xlsx)")

    def handle(self, *args: object, slug: str, format: str | None, output: str | None, **options: object) -> None:
        extension = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = (format or (extension if extension in exports.FORMATS else "csv")).lower()
        if fmt not in exports.FORMATS:
            raise CommandError(f"Unknown format {format!r}: use csv, json or xlsx.")
        if extension in exports.FORMATS and extension != fmt:
            raise CommandError(f"--format {fmt} does not match the file name {output!r}: a .{extension} file would "
                               f"hold {fmt.upper()}.")
        if fmt == "xlsx" and not output:
            raise CommandError("XLSX is binary: give --output FILE.xlsx.")
        assessment = Assessment.objects.filter(slug=slug).first()
        if assessment is None:
            raise CommandError(f"No assessment with slug {slug!r}.")
        run = services.latest_succeeded_run(assessment)
        if run is None:
            raise CommandError(f"{slug} has no successful score run yet: run `manage.py aggregate {slug}` first.")
        content = exports.export(crosswalk.with_esrs(aggregation.results_frame(run), assessment.library), fmt)
        if output:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"No such directory: {path.parent}")
            path.write_bytes(content)
            self.stderr.write(f"Wrote {path} (run {run.pk}).")
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
