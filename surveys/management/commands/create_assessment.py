"""create_assessment SLUG --library-year 2024 [--scale 5] [--weights customers=2,management=1.5] [--major 4.0]
[--important 3.0] [--closes YYYY-MM-DD] [--method dma-1|esrs-1] [--severity-rule mean_max|mean|max]
(DESIGN.md section 4)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from materiality.models import Assessment, IssueLibrary
from stakeholders.models import StakeholderGroup
from surveys import services


def parse_weights(text: str, groups: dict[str, StakeholderGroup]) -> dict[str, float]:
    """Parse "code=weight,code=weight"; every code must be a known group and every weight a number >= 0."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, sep, value = part.partition("=")
        code = code.strip()
        if not sep:
            raise CommandError(f"--weights: {part!r} is not code=weight.")
        if code not in groups:
            raise CommandError(f"--weights: unknown group {code!r}. Known: {', '.join(groups)}.")
        try:
            weight = float(value)
        except ValueError:
            raise CommandError(f"--weights: {value!r} is not a number (group {code}).") from None
        if not weight >= 0 or weight == float("inf"):
            raise CommandError(f"--weights: the weight of {code} must be a number of 0 or more.")
        weights[code] = weight
    return weights


class Command(BaseCommand):
    help = "Create an assessment with every stakeholder group and the standard questionnaires, open from now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--library-year", type=int, required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--scale", type=int, default=5)
        parser.add_argument("--weights", default="", help="code=weight,... (others keep their default weight)")
        parser.add_argument("--major", type=float, default=4.0)
        parser.add_argument("--important", type=float, default=3.0)
        parser.add_argument("--closes", default="", help="YYYY-MM-DD (default: 30 days from now)")
        parser.add_argument("--method", default=Assessment.Method.DMA_1, choices=Assessment.Method.values,
                            help="scoring method: dma-1 (questionnaires, the default) or esrs-1 (the IRO register)")
        parser.add_argument("--severity-rule", default=Assessment.SeverityRule.MEAN_MAX,
                            choices=Assessment.SeverityRule.values,
                            help="how esrs-1 combines scale, scope and irremediability (default mean_max)")

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["slug"])
        library = IssueLibrary.objects.filter(year=options["library_year"]).first()
        if library is None:
            raise CommandError(f"No issue library for {options['library_year']}. Load one with load_library.")
        groups = {g.code: g for g in StakeholderGroup.objects.all()}
        if not groups:
            raise CommandError("There are no stakeholder groups. Load a library template first (load_library).")
        chosen = parse_weights(str(options["weights"]), groups)
        weights = {g: chosen.get(code, g.default_weight) for code, g in groups.items()}
        now = timezone.now()
        closes_at = None
        if options["closes"]:
            try:
                day = dt.date.fromisoformat(str(options["closes"]))
            except ValueError:
                raise CommandError(f"--closes: {options['closes']!r} is not a date (YYYY-MM-DD).") from None
            if not services.EARLIEST_DATE <= day <= services.LATEST_DATE:
                raise CommandError(f"--closes: {day} is outside {services.EARLIEST_DATE}..{services.LATEST_DATE}.")
            # Open through the whole closing day, in the site's time zone.
            closes_at = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
            if closes_at <= now:
                raise CommandError(f"--closes: {day} is not in the future.")
        try:
            assessment = services.create_assessment(
                slug=slug, name=str(options["name"]) or slug, library=library, weights=weights,
                scale=int(options["scale"]), major=float(options["major"]), important=float(options["important"]),
                opens_at=now, closes_at=closes_at, acting_user=None,  # recorded as "system"
                method=str(options["method"]), severity_rule=str(options["severity_rule"]),
            )
        except services.SurveyError as exc:
            raise CommandError(str(exc)) from None
        questionnaires = assessment.questionnaires.prefetch_related("groups")
        self.stdout.write(f"Created assessment {assessment.slug}: library {library.year}, scale 1-{assessment.scale}, "
                          f"method {assessment.method}, "
                          f"open until {timezone.localtime(assessment.closes_at):%Y-%m-%d %H:%M}.")
        for q in questionnaires:
            codes = ", ".join(g.code for g in q.groups.all())
            self.stdout.write(f"  questionnaire {q.pk}: {q.title_en} [{codes}]")
