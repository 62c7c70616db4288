"""invite SLUG [--group CODE ...] [--reminder] (DESIGN.md section 4)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import enqueue
from materiality.models import Assessment
from surveys import mailing, services

WAIT_SECONDS = 600


class Command(BaseCommand):
    help = ("Create the missing invitation links for the contacts of the questionnaires' groups and e-mail them "
            "through the Celery task (or, with --reminder, remind those who have not submitted). Waits for the "
            "result and prints how many were created, sent and failed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--group", action="append", default=[], metavar="CODE")
        parser.add_argument("--reminder", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        assessment = Assessment.objects.filter(slug=options["slug"]).first()
        if assessment is None:
            raise CommandError(f"No assessment {options['slug']!r}.")
        codes = list(options["group"])  # type: ignore[call-overload]
        known = set(assessment.groups.values_list("code", flat=True))
        if unknown := sorted(set(codes) - known):
            raise CommandError(f"Not a group of {assessment.slug}: {', '.join(unknown)}. Known: {', '.join(sorted(known))}.")
        created = 0
        reminder = bool(options["reminder"])
        plan, summary = services.ReminderPlan(), services.InviteSummary()
        try:
            if reminder:
                plan = services.reminder_batches(assessment, group_codes=codes)
                batches = plan.batches
            else:
                summary = services.create_invitations(assessment, group_codes=codes)
                created, batches = summary.created, summary.batches
        except services.SurveyError as exc:
            raise CommandError(str(exc)) from None
        # Published now (there is no transaction here), and we wait for each batch's outcome. With the broker
        # down, what was just written is undone and the command says so.
        undo = (lambda: services.undo_reminders(plan)) if reminder else (lambda: services.undo_invitations(summary))
        try:
            results = enqueue.publish_or_undo(lambda: services.publish_batches(batches, reminder=reminder), undo)
        except enqueue.BrokerUnavailable as exc:
            raise CommandError(str(exc)) from None
        sent = failed = 0
        for result in results:
            outcome = result.get(timeout=WAIT_SECONDS)
            sent += outcome["sent"]
            failed += outcome["failed"]
        kind = "reminders" if reminder else "invitations"
        self.stdout.write(f"{assessment.slug}: created {created}, {kind} sent {sent}, failed {failed}.")
        if plan.skipped_recent:
            hours = int(services.RECENTLY_MAILED.total_seconds() // 3600)
            self.stdout.write(f"Skipped {plan.skipped_recent} invited or reminded less than {hours} hours ago.")
        if plan.skipped_max:
            self.stdout.write(f"Skipped {plan.skipped_max} who already had {mailing.MAX_REMINDERS} reminders.")
        if failed:
            self.stderr.write("Some e-mails failed; see the invitations page for each error.")
