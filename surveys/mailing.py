"""The mailing job: e-mail one batch of invitations or reminders over one SMTP connection, record each outcome.

Each e-mail carries a fresh link secret (only its hash is kept), so a reminder can include a working link.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from materiality import organisation
from materiality.organisation import OrganisationProfile
from surveys import tokens
from surveys.models import Invitation, InvitationToken, Questionnaire

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_SIZE = 100
REMINDER_INTERVAL = dt.timedelta(days=getattr(settings, "SURVEY_REMINDER_INTERVAL_DAYS", 7))
MAX_REMINDERS = getattr(settings, "SURVEY_MAX_REMINDERS", 3)
ERROR_LENGTH = 500


def remindable(invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """Narrow to personal invitations that reached the person (or were opened) but have no submitted answer."""
    return invitations.filter(
        is_open_link=False, contact__isnull=False, contact__anonymised_at=None,
        status__in=[Invitation.Status.SENT, Invitation.Status.OPENED],
    ).exclude(contact__email="")


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("surveys:respond", kwargs={"token": token})


def build_message(invitation: Invitation, token: str, *, reminder: bool, topic_count: int,
                  profile: OrganisationProfile | None = None) -> EmailMultiAlternatives:
    """Render one e-mail, text and HTML, in the contact's preferred language, from the organisation's sender name
    and with its Reply-To."""
    profile = profile or organisation.current()
    contact = invitation.contact
    questionnaire = invitation.questionnaire
    kind = "reminder" if reminder else "invitation"
    with translation.override(contact.language):
        language = translation.get_language()
        context = {
            "contact": contact,
            "title": questionnaire.title_for(language),
            "intro": questionnaire.intro_for(language),
            "closes_at": timezone.localtime(questionnaire.closes_at),
            "minutes": questionnaire.estimated_minutes(topic_count),
            "url": link_url(token),
            "organisation": questionnaire.assessment.name_for(language),
            "organisation_name": profile.name_for(language),
            "sender": profile.sender_name,
            "language": language,
        }
        subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(subject, text, profile.from_email(), [contact.email],
                                     reply_to=[profile.reply_to] if profile.reply_to else None)
    message.attach_alternative(html, "text/html")
    return message


def send_batch(invitation_ids: list[int], *, reminder: bool = False) -> dict[str, int]:
    """E-mail the given invitations over one connection; skip the answered, anonymised and closed ones.

    Return counts of sent, failed and skipped. Running it twice sends twice: callers choose whom to mail.
    """
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(pk__in=invitation_ids, is_open_link=False, contact__isnull=False)
        .exclude(status=Invitation.Status.SUBMITTED)
        .filter(contact__anonymised_at=None, questionnaire__closes_at__gt=now)
        .exclude(contact__email="")
        .select_related("contact", "questionnaire__assessment")
    )
    topic_counts: dict[int, int] = {}
    profile = organisation.current()
    outgoing = []
    for invitation in invitations:
        questionnaire = invitation.questionnaire
        if questionnaire.pk not in topic_counts:
            topic_counts[questionnaire.pk] = topic_count(questionnaire)
        token = tokens.make_token()
        invitation.token_hash = tokens.hash_token(token)
        outgoing.append((invitation, build_message(invitation, token, reminder=reminder,
                                                   topic_count=topic_counts[questionnaire.pk], profile=profile)))
    # The links must work before anyone can click them: store their hashes first.
    InvitationToken.objects.bulk_create(
        InvitationToken(invitation=invitation, token_hash=invitation.token_hash) for invitation, _ in outgoing
    )
    sent, failed = send_each(outgoing, "invitation")
    record_outcomes(sent, failed, reminder=reminder, now=now)
    return {"sent": len(sent), "failed": len(failed), "skipped": len(invitation_ids) - len(outgoing)}


def send_each(outgoing: list[tuple[T, EmailMultiAlternatives]], what: str) -> tuple[list[T], list[tuple[T, str]]]:
    """Send each message over one SMTP connection; return the sent items and the failed ones with their error.

    One bad address must not stop the batch, so each failure is caught, logged and kept for the status column.
    """
    sent: list[T] = []
    failed: list[tuple[T, str]] = []
    if outgoing:
        with get_connection() as connection:
            for item, message in outgoing:
                try:
                    connection.send_messages([message])
                except Exception as exc:  # any SMTP or address error is recorded, not raised
                    logger.warning("%s %s not sent: %s", what, item.pk, exc)
                    failed.append((item, f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]))
                else:
                    sent.append(item)
    return sent, failed


def topic_count(questionnaire: Questionnaire) -> int:
    return questionnaire.assessment.library.topics.exclude(change_kind="retired").count()


def record_outcomes(sent: list[Invitation], failed: list[tuple[Invitation, str]], *, reminder: bool,
                    now: dt.datetime) -> None:
    """Write each invitation's status: a few UPDATEs per batch, never demoting an opened or answered link."""
    sent_ids = [i.pk for i in sent]
    if sent_ids:
        batch = Invitation.objects.filter(pk__in=sent_ids)
        if reminder:
            batch.update(reminder_count=F("reminder_count") + 1, last_reminded_at=now, error="")
        else:
            batch.update(error="")
        batch.filter(sent_at=None).update(sent_at=now)
        batch.filter(status__in=[Invitation.Status.CREATED, Invitation.Status.FAILED]).update(
            status=Invitation.Status.SENT
        )
        Invitation.objects.bulk_update(sent, ["token_hash"])  # the latest link; all earlier ones stay valid
    for invitation, error in failed:
        Invitation.objects.filter(pk=invitation.pk).update(error=error)
        Invitation.objects.filter(
            pk=invitation.pk, status__in=[Invitation.Status.CREATED, Invitation.Status.SENT]
        ).update(status=Invitation.Status.FAILED)


def due_reminder_ids(questionnaire_id: int) -> list[int]:
    """Return the invitations of an open questionnaire due a scheduled reminder.

    Due means: not answered, last mailed at least REMINDER_INTERVAL ago, fewer than MAX_REMINDERS so far.
    """
    now = timezone.now()
    # An hour's slack, so that the beat (every few hours) does not push each reminder back by a whole run.
    before = now - REMINDER_INTERVAL + dt.timedelta(hours=1)
    pending = remindable(Invitation.objects.filter(
        questionnaire_id=questionnaire_id, questionnaire__opens_at__lte=now, questionnaire__closes_at__gt=now,
        reminder_count__lt=MAX_REMINDERS,
    ))
    pending = pending.filter(Q(last_reminded_at__lte=before) | Q(last_reminded_at=None, sent_at__lte=before))
    return list(pending.order_by("pk").values_list("pk", flat=True))


def send_due_reminders(questionnaire_id: int) -> dict[str, int]:
    """Send the scheduled reminders of one questionnaire in batches."""
    totals = {"sent": 0, "failed": 0, "skipped": 0}
    ids = due_reminder_ids(questionnaire_id)
    for start in range(0, len(ids), BATCH_SIZE):
        for key, value in send_batch(ids[start:start + BATCH_SIZE], reminder=True).items():
            totals[key] += value
    return totals


def open_questionnaire_ids() -> list[int]:
    now = timezone.now()
    return list(Questionnaire.objects.filter(opens_at__lte=now, closes_at__gt=now).values_list("pk", flat=True))
