"""Write the materiality chapter: `manage.py report_chapter SLUG [--language en|zh-hans] [--format docx|html]
[--output FILE]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import chapter
from materiality.models import Assessment


class Command(BaseCommand):
    help = "Write the materiality chapter of a confirmed assessment as DOCX or HTML (default: the file name's " \
           "extension, else docx; HTML goes to stdout without --output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("--language", default="en", help="en or zh-hans (default en)")
        parser.add_argument("--format", help="docx or html")
        parser.add_argument("--output", help="file to write (required for docx)")

    def handle(self, *args: object, slug: str, language: str, format: str | None, output: str | None,
               **options: object) -> None:
        language = language.lower()
        if language not in chapter.LANGUAGES:
            raise CommandError(f"Unknown language {language!r}: use en or zh-hans.")
        extension = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = (format or (extension if extension in chapter.FORMATS else "docx")).lower()
        if fmt not in chapter.FORMATS:
            raise CommandError(f"Unknown format {format!r}: use docx or html.")
        if extension in chapter.FORMATS and extension != fmt:
            raise CommandError(f"--format {fmt} does not match the file name {output!r}.")
        if fmt == "docx" and not output:
            raise CommandError("DOCX is binary: give --output FILE.docx.")
        if output and not Path(output).parent.is_dir():
            raise CommandError(f"No such directory: {Path(output).parent}")
        assessment = Assessment.objects.filter(slug=slug).first()
        if assessment is None:
            raise CommandError(f"No assessment with slug {slug!r}.")
        try:
            content = chapter.render(assessment, language, fmt)
        except chapter.ChapterRefused as exc:
            raise CommandError(str(exc)) from exc
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"Wrote {output} ({fmt}, {language}).")
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
