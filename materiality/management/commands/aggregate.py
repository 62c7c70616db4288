"""Run the scoring job for an assessment and wait for it: `manage.py aggregate SLUG`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from materiality import enqueue, matrix, runs, services  # noqa: F401  (matrix: see below)
from materiality.models import Assessment, AssessmentFrozen, ScoreRun

# matrix is loaded with the command: without a worker the run draws in this process, and a worker loads it when
# it starts (materiality.celery), so no run's duration includes loading matplotlib.


class Command(BaseCommand):
    help = "Score an assessment (through Celery, or in-process without REDIS_URL), wait, and print one summary line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the assessment's slug")
        parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the run (default 1800)")

    def handle(self, *args: object, slug: str, timeout: float, **options: object) -> None:
        assessment = Assessment.objects.filter(slug=slug).first()
        if assessment is None:
            raise CommandError(f"No assessment with slug {slug!r}.")
        try:
            run = services.start_aggregation(assessment)
        except (services.NothingToScore, AssessmentFrozen, enqueue.BrokerUnavailable) as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:  # in-process (eager) runs raise the job's own error here
            failed = assessment.score_runs.filter(status=ScoreRun.Status.FAILED).order_by("-pk").first()
            raise CommandError(f"The score run failed: {failed.error if failed else exc}") from None
        run = self.wait(run, timeout)
        if run.status == ScoreRun.Status.FAILED:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        counts = services.class_counts(run.topic_scores.all())
        unanswered = f", no answers {counts['unanswered']}" if counts["unanswered"] else ""
        who = "raters" if run.method == "esrs-1" else "respondents"  # an esrs-1 run counts the raters who handed in
        self.stdout.write(
            f"Run {run.pk} succeeded in {run.duration_seconds:.2f} s: {run.respondents} {who}, "
            f"major {counts['major']}, important {counts['important']}, general {counts['general']}{unanswered} "
            f"(checksum {run.input_checksum[:12]})."
        )

    def wait(self, run: ScoreRun, timeout: float) -> ScoreRun:
        """Poll until the run finishes; a run whose worker died is failed here too (the watchdog may not run)."""
        deadline = time.monotonic() + timeout
        while True:
            run.refresh_from_db()
            if run.is_finished or (run.status == ScoreRun.Status.RUNNING and runs.fail_if_stale(run)):
                return run
            if time.monotonic() > deadline:
                if run.status == ScoreRun.Status.QUEUED:
                    raise CommandError(f"Run {run.pk} is still queued after {timeout:g} s: no worker has taken "
                                       "it; is a worker running?")
                raise CommandError(f"Run {run.pk} is still running ({run.stage}, {run.progress}%) after "
                                   f"{timeout:g} s; its worker is alive. Wait longer with --timeout.")
            time.sleep(0.2)
