"""The rater mailing job: e-mail one batch of rating links (or reminders) over one SMTP connection and record each
outcome. Each e-mail carries a fresh secret; only its hash is stored (RaterToken), and earlier links keep working."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from materiality import organisation
from materiality.models import RaterAssignment, RaterToken
from materiality.organisation import OrganisationProfile
from surveys import mailing, tokens


def rating_url(token: str) -> str:
    return settings.SITE_URL + reverse("materiality:rate", kwargs={"token": token})


def rater_name(assignment: RaterAssignment) -> str:
    if assignment.contact_id:
        return assignment.contact.name
    user = assignment.user
    return (user.get_full_name() or user.get_username()) if user else ""


def rater_email(assignment: RaterAssignment) -> str:
    if assignment.contact_id:
        return "" if assignment.contact.anonymised_at else assignment.contact.email
    return assignment.user.email if assignment.user_id and assignment.user.is_active else ""


def rater_language(assignment: RaterAssignment) -> str:
    return assignment.contact.language if assignment.contact_id else settings.LANGUAGE_CODE


def build_message(assignment: RaterAssignment, token: str, *, reminder: bool, iro_count: int,
                  profile: OrganisationProfile | None = None) -> EmailMultiAlternatives:
    """Render one e-mail, text and HTML, in the rater's language, from the organisation's sender name and with its
    Reply-To, like a questionnaire invitation (a rater should see the same company asking)."""
    profile = profile or organisation.current()
    kind = "rater_reminder" if reminder else "rater_invitation"
    assessment = assignment.assessment
    with translation.override(rater_language(assignment)):
        language = translation.get_language()
        context = {"language": language, "title": assessment.name_for(language),
                   "name": rater_name(assignment), "organisation": assessment.name_for(language),
                   "organisation_name": profile.name_for(language), "sender": profile.sender_name,
                   "url": rating_url(token), "count": iro_count,
                   "closes_at": timezone.localtime(assessment.closes_at)}
        subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(subject, text, profile.from_email(), [rater_email(assignment)],
                                     reply_to=[profile.reply_to] if profile.reply_to else None)
    message.attach_alternative(html, "text/html")
    return message


def send_batch(assignment_ids: list[int], *, reminder: bool = False) -> dict[str, int]:
    """E-mail the given raters over one connection; skip the submitted ones and those without an address.

    Return counts of sent, failed and skipped.
    """
    now = timezone.now()
    assignments = [a for a in RaterAssignment.objects.filter(pk__in=assignment_ids, assessment__confirmed_at=None)
                   .exclude(status=RaterAssignment.Status.SUBMITTED)
                   .select_related("contact", "user", "assessment") if rater_email(a)]
    counts = dict(RaterAssignment.objects.filter(pk__in=[a.pk for a in assignments]).values_list("pk").annotate(
        n=_iro_count()))
    profile = organisation.current()
    outgoing = []
    for assignment in assignments:
        token = tokens.make_token()
        assignment.token_hash = tokens.hash_token(token)
        outgoing.append((assignment, build_message(assignment, token, reminder=reminder,
                                                   iro_count=counts.get(assignment.pk, 0),
                                                   profile=profile)))
    # The links must work before anyone can click them: store their hashes first.
    RaterToken.objects.bulk_create(RaterToken(assignment=a, token_hash=a.token_hash) for a, _m in outgoing)
    sent, failed = mailing.send_each(outgoing, "rater link")
    record_outcomes(sent, failed, reminder=reminder, now=now)
    return {"sent": len(sent), "failed": len(failed), "skipped": len(assignment_ids) - len(outgoing)}


def _iro_count() -> Count:
    """Count the IROs of an assignment's topics in its own assessment."""
    return Count("topics__iros", filter=Q(topics__iros__assessment_id=F("assessment_id")), distinct=True)


def record_outcomes(sent: list[RaterAssignment], failed: list[tuple[RaterAssignment, str]], *, reminder: bool,
                    now: object) -> None:
    """Write each assignment's status, never demoting an opened or submitted one."""
    sent_ids = [a.pk for a in sent]
    if sent_ids:
        batch = RaterAssignment.objects.filter(pk__in=sent_ids)
        if reminder:
            batch.update(reminder_count=F("reminder_count") + 1, last_reminded_at=now, error="")
        else:
            batch.update(error="")
        batch.filter(sent_at=None).update(sent_at=now)
        batch.filter(status__in=[RaterAssignment.Status.CREATED, RaterAssignment.Status.FAILED]).update(
            status=RaterAssignment.Status.SENT)
        RaterAssignment.objects.bulk_update(sent, ["token_hash"])
    for assignment, error in failed:
        RaterAssignment.objects.filter(pk=assignment.pk).update(error=error)
        RaterAssignment.objects.filter(pk=assignment.pk, status__in=[
            RaterAssignment.Status.CREATED, RaterAssignment.Status.SENT]).update(status=RaterAssignment.Status.FAILED)
