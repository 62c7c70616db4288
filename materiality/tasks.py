"""Celery tasks of the core domain: thin interfaces that call the job functions with ids."""

from __future__ import annotations

from celery import shared_task

from materiality import aggregation


@shared_task(acks_late=True)  # safe: run_aggregation claims its run with a conditional UPDATE before working
def run_aggregation_task(run_id: int) -> None:
    aggregation.run_aggregation(run_id)


# The worker finds tasks through each app's tasks.py: the raters' e-mails live in their own module.
from materiality.rater_tasks import send_rater_links_task  # noqa: E402, F401
