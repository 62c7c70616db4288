"""open_link SLUG --group CODE [--qr FILE] (DESIGN.md section 4): print the group's open (anonymous) link, and
optionally save its QR code (PNG or SVG, by the file's extension) for a poster or a chat message."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from materiality.models import Assessment
from stakeholders.models import StakeholderGroup
from surveys import mailing, qr, services


class Command(BaseCommand):
    help = ("Create the group's open (anonymous) collection link if it has none, and print its full URL. Only a hash "
            "is stored, so each run prints a new URL for the same link; earlier URLs keep working.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--group", required=True, metavar="CODE")
        parser.add_argument("--qr", metavar="FILE", help="also save the link's QR code to FILE (.png or .svg)")

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
        qr_file = options["qr"]
        qr_format = str(qr_file).rsplit(".", 1)[-1].lower() if qr_file else None
        if qr_file and qr_format not in qr.FORMATS:
            raise CommandError(f"--qr {qr_file!r}: the file name must end in .png or .svg.")
        try:
            questionnaire = services.questionnaire_for_group(assessment, group)
            token = services.open_link(questionnaire, group)
        except services.SurveyError as exc:
            raise CommandError(str(exc)) from None
        url = mailing.link_url(token)
        self.stdout.write(url)
        if qr_file:
            try:
                with open(str(qr_file), "wb") as out:
                    out.write(qr.image(url, str(qr_format)))
            except OSError as exc:
                raise CommandError(f"--qr {qr_file!r}: cannot write the file ({exc.strerror}).") from None
            self.stderr.write(f"QR code saved to {qr_file}.")
        now = timezone.now()
        if now >= questionnaire.closes_at:
            self.stderr.write(f"Warning: the link is closed: the questionnaire closed on "
                              f"{timezone.localtime(questionnaire.closes_at):%Y-%m-%d %H:%M}, so it takes no answers.")
        elif now < questionnaire.opens_at:
            self.stderr.write(f"Warning: the link is not open yet: the questionnaire opens on "
                              f"{timezone.localtime(questionnaire.opens_at):%Y-%m-%d %H:%M}.")
