"""User actions on raters (issue 12.2): assign internal raters to topics, send their secret links and reminders,
find a link's assignment, and report progress per rater and per topic.

A rater is a contact of a group that rates financial materiality (management, internal ESG experts) or a staff
user. Links are stored only as hashes, like questionnaire invitations; e-mails leave through a Celery task queued
when the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from materiality import audit, rater_mailing, rater_tasks
from materiality.iro_ratings_csv import CRITERIA
from materiality.iros import Actor, check_open
from materiality.models import Assessment, Iro, IroRating, RaterAssignment, RaterToken, Topic
from materiality.roles import COMMITTEE, WORK_TEAM
from stakeholders.models import Stakeholder
from surveys import mailing, tokens

RECENTLY_MAILED = dt.timedelta(hours=24)
MAX_REMINDERS = 3


class RaterRefused(Exception):
    """A rater action was refused; the message says why (in the user's language) and nothing was written."""


class LinkClosed(Exception):
    """A rating link cannot be used; `reason` says why (unknown, submitted, confirmed)."""

    UNKNOWN, SUBMITTED, CONFIRMED = "unknown", "submitted", "confirmed"

    def __init__(self, reason: str, assignment: RaterAssignment | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.assignment = assignment


# --- who may rate ----------------------------------------------------------------------------------------------

def eligible_contacts() -> QuerySet[Stakeholder]:
    """Contacts of the groups that rate financial materiality (management, internal ESG experts)."""
    return Stakeholder.objects.filter(group__is_rater=True, anonymised_at=None).select_related("group")


def eligible_users() -> QuerySet[User]:
    """Active staff users: the work team, the committee, or Django staff."""
    return User.objects.filter(Q(is_staff=True) | Q(groups__name__in=[WORK_TEAM, COMMITTEE]),
                               is_active=True).distinct().order_by("username")


# --- assign ----------------------------------------------------------------------------------------------------

def assignment_snapshot(assignment: RaterAssignment, topics: Iterable[Topic]) -> dict:
    return {"rater": assignment.rater_key, "contact": assignment.contact.name if assignment.contact_id else None,
            "user": assignment.user.get_username() if assignment.user_id else None,
            "topics": sorted(t.code for t in topics)}


def assign_rater(assessment: Assessment, topics: Iterable[Topic], *, contact: Stakeholder | None = None,
                 user: User | None = None, acting_user: Actor = None) -> RaterAssignment:
    """Give a rater these topics (replacing their earlier ones); a new rater's link is e-mailed after the commit.

    Raises RaterRefused when the person cannot rate or a topic is not in the assessment's library.
    """
    check_open(assessment)
    topics = list(topics)
    if (contact is None) == (user is None):
        raise RaterRefused(_("Choose one contact or one staff user."))
    if contact is not None and not eligible_contacts().filter(pk=contact.pk).exists():
        raise RaterRefused(_("%(name)s is not in a group that rates (management or internal ESG experts).")
                           % {"name": contact.name})
    if user is not None and not eligible_users().filter(pk=user.pk).exists():
        raise RaterRefused(_("%(name)s is not an active staff user.") % {"name": user.get_username()})
    if not topics:
        raise RaterRefused(_("Choose at least one topic."))
    if any(t.library_id != assessment.library_id for t in topics):
        raise RaterRefused(_("Choose topics of the assessment's library."))
    with transaction.atomic():
        assignment = (RaterAssignment.objects.select_for_update().filter(assessment=assessment)
                      .filter(Q(contact=contact) if contact else Q(user=user)).first())
        created = assignment is None
        if created:
            assignment = RaterAssignment.objects.create(
                assessment=assessment, contact=contact, user=user, token_hash=tokens.hash_token(tokens.make_token()))
            before = None
        else:
            before = assignment_snapshot(assignment, assignment.topics.all())
        after = assignment_snapshot(assignment, topics)
        if before == after:
            return assignment
        assignment.topics.set(topics)
        audit.record(acting_user, "rater.assign", assignment, assessment=assessment, before=before, after=after)
        if created:
            queue_links([assignment.pk])
    return assignment


def remove_assignment(assignment: RaterAssignment, *, acting_user: Actor = None) -> None:
    """Remove a rater who has saved nothing yet (ratings stay with the assignment once they exist)."""
    check_open(assignment.assessment)
    if IroRating.objects.filter(assignment=assignment).exists():
        raise RaterRefused(_("This rater has already saved ratings, so the assignment stays."))
    with transaction.atomic():
        audit.record(acting_user, "rater.remove", assignment, assessment=assignment.assessment,
                     before=assignment_snapshot(assignment, assignment.topics.all()))
        assignment.delete()


# --- links and reminders ---------------------------------------------------------------------------------------

def queue_links(assignment_ids: list[int], *, reminder: bool = False) -> None:
    if assignment_ids:
        rater_tasks.send_rater_links_task.delay_on_commit(assignment_ids, reminder=reminder)


def resend_link(assignment: RaterAssignment) -> None:
    """Queue a fresh link for one rater (earlier links keep working)."""
    check_open(assignment.assessment)
    if assignment.status == RaterAssignment.Status.SUBMITTED:
        raise RaterRefused(_("This rater has already submitted."))
    if not rater_mailing.rater_email(assignment):
        raise RaterRefused(_("This rater has no e-mail address."))
    queue_links([assignment.pk])


@transaction.atomic
def send_reminders(assessment: Assessment) -> int:
    """Queue reminders to raters who were mailed but have not submitted, leaving out whoever was mailed in the
    last 24 hours or had MAX_REMINDERS already. They are stamped now, so a second click skips them. Return how
    many were queued."""
    check_open(assessment)
    return _stamp_and_queue(RaterAssignment.objects.filter(assessment=assessment), timezone.now() - RECENTLY_MAILED)


@transaction.atomic
def send_scheduled_reminders() -> int:
    """The beat's reminders: raters of every open, unconfirmed assessment last mailed a reminder interval ago (the
    questionnaires' interval, an hour's slack so a run every few hours does not push each one back)."""
    now = timezone.now()
    open_now = RaterAssignment.objects.filter(assessment__confirmed_at=None, assessment__opens_at__lte=now,
                                              assessment__closes_at__gt=now)
    return _stamp_and_queue(open_now, now - mailing.REMINDER_INTERVAL + dt.timedelta(hours=1))


def _stamp_and_queue(assignments: QuerySet[RaterAssignment], mailed_before: dt.datetime) -> int:
    due = list(assignments.select_for_update().filter(
        status__in=[RaterAssignment.Status.SENT, RaterAssignment.Status.OPENED],
        reminder_count__lt=MAX_REMINDERS, sent_at__lte=mailed_before,
    ).filter(Q(last_reminded_at=None) | Q(last_reminded_at__lte=mailed_before)).values_list("pk", flat=True))
    RaterAssignment.objects.filter(pk__in=due).update(last_reminded_at=timezone.now())
    queue_links(due, reminder=True)
    return len(due)


# --- the link --------------------------------------------------------------------------------------------------

def find_assignment(token: str) -> RaterAssignment:
    """Return the assignment a link opens (with its assessment), or raise LinkClosed saying why not."""
    row = None
    if tokens.looks_like_token(token):
        row = RaterToken.objects.select_related("assignment__assessment", "assignment__contact").filter(
            token_hash=tokens.hash_token(token)).first()
    if row is None:
        raise LinkClosed(LinkClosed.UNKNOWN)
    assignment = row.assignment
    if assignment.status == RaterAssignment.Status.SUBMITTED:
        raise LinkClosed(LinkClosed.SUBMITTED, assignment)
    if assignment.assessment.is_confirmed:
        raise LinkClosed(LinkClosed.CONFIRMED, assignment)
    return assignment


def mark_opened(assignment: RaterAssignment) -> None:
    """Record the first visit (created/sent/failed -> opened); later visits write nothing."""
    if assignment.opened_at is not None:
        return
    now = timezone.now()
    RaterAssignment.objects.filter(pk=assignment.pk, opened_at=None).update(opened_at=now)
    RaterAssignment.objects.filter(pk=assignment.pk, status__in=[
        RaterAssignment.Status.CREATED, RaterAssignment.Status.SENT, RaterAssignment.Status.FAILED,
    ]).update(status=RaterAssignment.Status.OPENED)
    assignment.opened_at = now


def iros_to_rate(assignment: RaterAssignment) -> list[Iro]:
    """The IROs of the rater's topics in the assessment, in register order (one query)."""
    return list(Iro.objects.filter(assessment_id=assignment.assessment_id, topic__rater_assignments=assignment)
                .select_related("topic"))


# --- progress --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RaterProgress:
    assignment: RaterAssignment
    name: str
    topics: list[Topic]
    iros: int
    rated: int  # IROs with every criterion answered (a value or "Don't know")


@dataclass(frozen=True)
class TopicProgress:
    topic: Topic
    iros: int
    raters: int
    expected: int  # IROs x raters
    rated: int
    submitted: int  # ratings handed in (submitted web ratings and imported ones)


def _complete(criteria: tuple[str, ...], values: dict, dont_know: list[str]) -> bool:
    return all(values[c] is not None or c in dont_know for c in criteria)


def progress(assessment: Assessment) -> tuple[list[RaterProgress], list[TopicProgress]]:
    """Progress per rater and per topic, from a handful of queries whatever the number of raters."""
    assignments = list(RaterAssignment.objects.filter(assessment=assessment).select_related("contact__group", "user")
                       .prefetch_related("topics"))
    iros = {i.pk: i for i in Iro.objects.filter(assessment=assessment).select_related("topic")}
    by_topic: dict[int, list[Iro]] = {}
    for iro in iros.values():
        by_topic.setdefault(iro.topic_id, []).append(iro)
    ratings = IroRating.objects.filter(iro__assessment=assessment).values(
        "iro_id", "assignment_id", "rater", "submitted_at", "dont_know", *CRITERIA)
    complete: dict[int, set[int]] = {}
    topic_rated: dict[int, int] = {}
    topic_submitted: dict[int, int] = {}
    for r in ratings:
        iro = iros[r["iro_id"]]
        if not _complete(iro.criteria(), r, r["dont_know"]):
            continue
        if r["assignment_id"]:
            complete.setdefault(r["assignment_id"], set()).add(iro.pk)
        topic_rated[iro.topic_id] = topic_rated.get(iro.topic_id, 0) + 1
        if r["submitted_at"]:
            topic_submitted[iro.topic_id] = topic_submitted.get(iro.topic_id, 0) + 1
    raters = []
    topic_raters: dict[int, int] = {}
    for a in assignments:
        topics = list(a.topics.all())
        own = {i.pk for t in topics for i in by_topic.get(t.pk, [])}
        for t in topics:
            topic_raters[t.pk] = topic_raters.get(t.pk, 0) + 1
        raters.append(RaterProgress(a, rater_mailing.rater_name(a), topics, len(own),
                                    len(complete.get(a.pk, set()) & own)))
    topics = sorted({i.topic for i in iros.values()}, key=lambda t: (t.position, t.code))
    per_topic = [TopicProgress(t, len(by_topic[t.pk]), topic_raters.get(t.pk, 0),
                               len(by_topic[t.pk]) * topic_raters.get(t.pk, 0), topic_rated.get(t.pk, 0),
                               topic_submitted.get(t.pk, 0)) for t in topics]
    return raters, per_topic

