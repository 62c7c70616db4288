"""Thin Celery tasks: ids in, the mailing job does the work."""

from __future__ import annotations

from celery import shared_task

from surveys import mailing


@shared_task(acks_late=False)  # not acks_late: a redelivered batch would e-mail people twice
def send_invitations_task(invitation_ids: list[int], reminder: bool = False) -> dict[str, int]:
    return mailing.send_batch(invitation_ids, reminder=reminder)


@shared_task(acks_late=False)  # mails too: a redelivered message must not remind anyone twice
def send_reminders_task(questionnaire_id: int) -> dict[str, int]:
    """Send one questionnaire's due reminders (those not mailed for a while and not answered)."""
    return mailing.send_due_reminders(questionnaire_id)


@shared_task
def send_due_reminders_task() -> int:
    """The celery beat entry: fan out one reminders task per open questionnaire."""
    ids = mailing.open_questionnaire_ids()
    for questionnaire_id in ids:
        send_reminders_task.delay(questionnaire_id)
    return len(ids)
