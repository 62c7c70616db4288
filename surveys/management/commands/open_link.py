"""open_link SLUG --group CODE (DESIGN.md section 4): print the group's open (anonymous) link."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from materiality.models import Assessment
from stakeholders.models import StakeholderGroup
from surveys import mailing, services


class Command(BaseCommand):
    help = ("Create the group's open (anonymous) collection link if it has none, and print its full URL. Only a hash "
            "is stored, so each run prints a new URL for the same link; earlier URLs keep working.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--group", required=True, metavar="CODE")

    def handle(self, *args: object, **options: object) -> None:
        assessment = Assessment.objects.filter(slug=options["slug"]).first()
        if assessment is None:
            raise CommandError(f"No assessment {options['slug']!r}.")
        asked = StakeholderGroup.objects.filter(questionnaires__assessment=assessment).distinct().order_by("code")
        group = asked.filter(code=options["group"]).first()
        if group is None:
            valid = ", ".join(g.code for g in asked) or "none yet: add a questionnaire first"
            raise CommandError(f"No group {options['group']!r} answers a questionnaire of {assessment.slug}. "
                               f"Valid codes: {valid}.")
        try:
            questionnaire = services.questionnaire_for_group(assessment, group)
            token = services.open_link(questionnaire, group)
        except services.SurveyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(mailing.link_url(token))
        now = timezone.now()
        if now >= questionnaire.closes_at:
            self.stderr.write(f"Warning: the link is closed: the questionnaire closed on "
                              f"{timezone.localtime(questionnaire.closes_at):%Y-%m-%d %H:%M}, so it takes no answers.")
        elif now < questionnaire.opens_at:
            self.stderr.write(f"Warning: the link is not open yet: the questionnaire opens on "
                              f"{timezone.localtime(questionnaire.opens_at):%Y-%m-%d %H:%M}.")
