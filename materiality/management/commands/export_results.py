"""Export the latest results: `manage.py export_results SLUG [--level topic|iro] [--format csv|json|xlsx]
[--output FILE]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import aggregation, crosswalk, esrs_aggregation, exports, services
from materiality.models import Assessment


class Command(BaseCommand):
    help = ("Write the latest successful run's results (one row per topic, or per IRO with --level iro); CSV and "
            "JSON go to stdout without --output.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("--format", help="csv, json or xlsx (default: the --output file's extension, else csv)")
        parser.add_argument("--output", help="file to write (required for xlsx)")
        parser.add_argument("--level", default="topic", help="topic (default) or iro (an esrs-1 run's IROs)")

    def handle(self, *args: object, slug: str, format: str | None, output: str | None, level: str,
               **options: object) -> None:
        if level not in ("topic", "iro"):
            raise CommandError(f"Unknown level {level!r}: use topic or iro.")
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
        if level == "iro":
            if run.method != esrs_aggregation.esrs_scoring.METHOD:
                raise CommandError(f"{slug}'s latest run used method {run.method}, which scores topics, not IROs: "
                                   f"use --level topic, or score it with esrs-1.")
            content = exports.export_iros(esrs_aggregation.iro_results_frame(run), fmt)
        else:
            content = exports.export(crosswalk.with_esrs(aggregation.results_frame(run), assessment.library), fmt)
        if output:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"No such directory: {path.parent}")
            path.write_bytes(content)
            self.stderr.write(f"Wrote {path} (run {run.pk}).")
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
