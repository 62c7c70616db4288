"""Celery tasks of the core domain: thin interfaces that call the job functions with ids."""

from __future__ import annotations

from celery import shared_task

from materiality import aggregation, raters, runs

# A busy run is retried until its lease is either renewed to the end or old enough to take over / be failed.
BUSY_RETRIES = runs.FAIL_AFTER_SECONDS // max(runs.TAKEOVER_AFTER_SECONDS // 2, 1) + 2


# acks_late + reject_on_worker_lost: a worker killed mid-run puts the message back for the next one, which takes
# the run over once its heartbeat has stopped (materiality.runs.claim); the results are written all at once.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=BUSY_RETRIES)
def run_aggregation_task(self, run_id: int) -> None:  # noqa: ANN001 - self: the bound task
    try:
        aggregation.run_aggregation(run_id)
    except runs.RunBusy as exc:
        raise self.retry(exc=exc, countdown=max(runs.TAKEOVER_AFTER_SECONDS // 2, 1)) from None


@shared_task
def fail_stale_runs_task() -> list[int]:
    """The celery beat watchdog: fail runs whose worker died and whose message was not redelivered."""
    return runs.fail_stale_runs()


@shared_task
def send_due_rater_reminders_task() -> int:
    """The celery beat entry: remind raters who have not handed in, on the questionnaires' schedule."""
    return raters.send_scheduled_reminders()


# The worker finds tasks through each app's tasks.py: the raters' e-mails live in their own module.
from materiality.rater_tasks import send_rater_links_task  # noqa: E402, F401
