"""Thin Celery tasks for raters: ids in, the rater mailing job does the work."""

from __future__ import annotations

from celery import shared_task

from materiality import rater_mailing


@shared_task(acks_late=False)  # not acks_late: a redelivered batch would e-mail people twice
def send_rater_links_task(assignment_ids: list[int], reminder: bool = False) -> dict[str, int]:
    return rater_mailing.send_batch(assignment_ids, reminder=reminder)

