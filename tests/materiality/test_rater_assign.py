"""Assigning raters per topic: who may rate, the link e-mailed after the commit (only its hash stored), reminders,
statuses, and every change in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from materiality import raters
from materiality.models import Assessment, AuditEntry, RaterAssignment, RaterToken
from materiality.organisation import OrganisationProfile
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import tokens
from tests.conftest import make_user
from tests.materiality.rater_helpers import assign, load_register, rater_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(assessment: Assessment) -> Assessment:
    load_register(assessment)
    return assessment


def test_a_new_rater_gets_a_personal_link_by_mail_once_the_assignment_commits(register, django_capture_on_commit_callbacks):
    assignment, token = assign(register, ["S07", "E01"], django_capture_on_commit_callbacks,
                               contact=rater_contact("Li Lei", language="zh-hans"))
    assignment.refresh_from_db()
    message = mail.outbox[-1]
    assert message.to == ["li@example.org"] and "评分" in message.subject
    assert "2" in message.body  # the e-mail says how many IROs: S07 has two
    assert assignment.status == RaterAssignment.Status.SENT and assignment.sent_at is not None
    assert RaterToken.objects.filter(assignment=assignment, token_hash=tokens.hash_token(token)).exists()
    assert token not in str(list(RaterToken.objects.values_list("token_hash", flat=True)))
    assert sorted(t.code for t in assignment.topics.all()) == ["E01", "S07"]
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "rater.assign" and entry.after["topics"] == ["E01", "S07"]


def test_nothing_is_mailed_when_the_transaction_rolls_back(register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        raters.assign_rater(register, list(register.library.topics.filter(code="S07")), contact=rater_contact())
    assert len(callbacks) == 1 and mail.outbox == []


def test_reassigning_replaces_the_topics_without_a_second_mail(register, django_capture_on_commit_callbacks):
    assignment, _token = assign(register, ["S07"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = raters.assign_rater(register, list(register.library.topics.filter(code="G01")),
                                    contact=assignment.contact)
    assert again.pk == assignment.pk and [t.code for t in again.topics.all()] == ["G01"]
    assert len(mail.outbox) == 1 and RaterAssignment.objects.count() == 1


def test_only_rating_groups_and_staff_users_can_rate(register):
    customer = Stakeholder.objects.create(name="Cus", email="c@example.org",
                                          group=StakeholderGroup.objects.get(code="customers"))
    topics = list(register.library.topics.filter(code="S07"))
    with pytest.raises(raters.RaterRefused, match="not in a group that rates"):
        raters.assign_rater(register, topics, contact=customer)
    outsider = make_user("olaf")
    with pytest.raises(raters.RaterRefused, match="not an active staff user"):
        raters.assign_rater(register, topics, user=outsider)
    with pytest.raises(raters.RaterRefused, match="at least one topic"):
        raters.assign_rater(register, [], contact=rater_contact())
    assert not RaterAssignment.objects.exists()
    staff = make_user("wendy", "ESG work team")
    assert raters.assign_rater(register, topics, user=staff).user == staff


def test_reminders_go_to_raters_who_have_not_submitted_and_not_twice_a_day(register, django_capture_on_commit_callbacks):
    assignment, _token = assign(register, ["S07"], django_capture_on_commit_callbacks)
    assert raters.send_reminders(register) == 0  # mailed just now
    RaterAssignment.objects.filter(pk=assignment.pk).update(sent_at=timezone.now() - dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert raters.send_reminders(register) == 1
        assert raters.send_reminders(register) == 0
    assignment.refresh_from_db()
    assert assignment.reminder_count == 1 and "Reminder" in mail.outbox[-1].subject
    RaterAssignment.objects.filter(pk=assignment.pk).update(status=RaterAssignment.Status.SUBMITTED,
                                                              last_reminded_at=timezone.now() - dt.timedelta(days=3))
    assert raters.send_reminders(register) == 0


def test_a_failed_send_is_recorded_on_the_assignment(register, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "tests.materiality.test_rater_assign.FailingBackend"
    contact = rater_contact()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = raters.assign_rater(register, list(register.library.topics.filter(code="S07")), contact=contact)
    assignment.refresh_from_db()
    assert assignment.status == RaterAssignment.Status.FAILED and "refused" in assignment.error


class FailingBackend:
    """An SMTP server that refuses every message (the outside world is the only thing faked)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> FailingBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send_messages(self, messages: list) -> int:
        raise OSError("550 mailbox refused")


def test_the_beat_reminds_raters_a_reminder_interval_after_the_last_mail(register, django_capture_on_commit_callbacks):
    assignment, _token = assign(register, ["S07"], django_capture_on_commit_callbacks)
    RaterAssignment.objects.filter(pk=assignment.pk).update(sent_at=timezone.now() - dt.timedelta(days=2))
    assert raters.send_scheduled_reminders() == 0  # the button would remind now; the schedule waits a week
    RaterAssignment.objects.filter(pk=assignment.pk).update(sent_at=timezone.now() - dt.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert raters.send_scheduled_reminders() == 1
        assert raters.send_scheduled_reminders() == 0  # stamped: the next beat skips it
    assignment.refresh_from_db()
    assert assignment.reminder_count == 1 and "Reminder" in mail.outbox[-1].subject
    Assessment.objects.filter(pk=register.pk).update(closes_at=timezone.now() - dt.timedelta(hours=1))
    RaterAssignment.objects.filter(pk=assignment.pk).update(last_reminded_at=timezone.now() - dt.timedelta(days=8))
    assert raters.send_scheduled_reminders() == 0  # a closed assessment reminds nobody


def test_a_rater_mail_comes_from_the_organisation_in_the_raters_language(register, django_capture_on_commit_callbacks):
    OrganisationProfile.objects.create(pk=1, name_en="ACME Holdings", name_zh="艾克米控股",
                                       sender_name="ACME ESG team", reply_to="esg@acme.example")
    Assessment.objects.filter(pk=register.pk).update(name_zh="2024年度双重重要性评估")
    assign(register, ["S07"], django_capture_on_commit_callbacks,
           contact=rater_contact("Li Lei", language="zh-hans"))
    message = mail.outbox[-1]
    assert message.from_email.startswith("ACME ESG team <") and message.reply_to == ["esg@acme.example"]
    assert "2024年度双重重要性评估" in message.subject and "艾克米控股" in message.body
    assert "ACME ESG team" in message.body and register.name not in message.body
