"""Invitations and reminders by e-mail: batches, languages, statuses, failures, resends, the schedule."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from materiality import settings as project_settings
from surveys import mailing, services, tasks
from surveys.models import Invitation
from tests.conftest import client_for


def test_invite_creates_one_link_per_contact_with_email_and_sends_it(sent, contacts):
    assert len(sent) == 18 and len(mail.outbox) == 18
    assert Invitation.objects.filter(is_open_link=False).count() == 18
    assert set(Invitation.objects.values_list("status", flat=True)) == {Invitation.Status.SENT}
    assert all(i.sent_at for i in Invitation.objects.all())


def test_emails_are_text_and_html_in_the_contacts_language(sent):
    by_address = {m.to[0]: m for m in mail.outbox}
    english, chinese = by_address["customers.1@example.org"], by_address["customers.2@example.org"]
    assert "Dear customers person 1" in english.body and "minutes" in english.body
    assert "利益相关方问卷" in chinese.subject
    html, mimetype = english.alternatives[0]
    assert mimetype == "text/html" and "/r/" in html


def test_inviting_again_creates_and_sends_nothing_new(sent, cycle, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.invite_contacts(cycle)
    assert summary.created == 0 and summary.queued == 0 and mail.outbox == []


def test_one_group_only(cycle, contacts, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.invite_contacts(cycle, group_codes=["suppliers"])
    assert summary.created == 2 and {m.to[0] for m in mail.outbox} == {"suppliers.1@example.org", "suppliers.2@example.org"}
    with pytest.raises(services.SurveyError):
        services.invite_contacts(cycle, group_codes=["nobody"])


class FlakyBackend(EmailBackend):
    """Refuses one address, like an SMTP server rejecting a recipient; counts connections."""

    opened = 0

    def open(self) -> bool:
        FlakyBackend.opened += 1
        return super().open()

    def send_messages(self, messages):
        if any(m.to[0].startswith("suppliers.1@") for m in messages):
            raise smtplib.SMTPRecipientsRefused({"suppliers.1@example.org": (550, b"no such user")})
        return super().send_messages(messages)


def test_a_failure_is_recorded_per_invitation_and_the_batch_goes_on(cycle, contacts, settings):
    settings.EMAIL_BACKEND = "tests.surveys.test_mailing.FlakyBackend"
    FlakyBackend.opened = 0
    summary = services.create_invitations(cycle)
    outcome = tasks.send_invitations_task(summary.batches[0])
    assert outcome == {"sent": 17, "failed": 1, "skipped": 0}
    assert FlakyBackend.opened == 1  # one connection for the whole batch
    failed = Invitation.objects.get(status=Invitation.Status.FAILED)
    assert failed.contact.email == "suppliers.1@example.org" and "SMTPRecipientsRefused" in failed.error
    # Inviting again retries only the failed one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = services.create_invitations(cycle)
    assert again.batches == [[failed.pk]]
    tasks.send_invitations_task(again.batches[0])
    failed.refresh_from_db()
    assert failed.status == Invitation.Status.SENT and failed.error == ""


def test_reminders_go_only_to_those_who_have_not_submitted(client, sent, cycle, django_capture_on_commit_callbacks):
    from tests.surveys.conftest import form_fields, full_answers

    token = sent["customers.1@example.org"]
    topics, names = form_fields(client, token)
    client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names))
    mail.outbox.clear()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=True):
            count = services.send_reminders(cycle).queued
    assert count == 17 and len(mail.outbox) == 17
    assert "customers.1@example.org" not in {m.to[0] for m in mail.outbox}
    assert mail.outbox[0].subject.startswith(("Reminder", "提醒"))
    assert Invitation.objects.filter(reminder_count=1).count() == 17


def test_scheduled_reminders_wait_a_week_and_stop_after_three(sent, cycle):
    questionnaire = cycle.questionnaires.first()
    pending = questionnaire.invitations.count()
    assert mailing.due_reminder_ids(questionnaire.pk) == []  # just invited
    now = dt.datetime.now(tz=dt.UTC)
    for week in range(1, 6):
        with time_machine.travel(now + dt.timedelta(days=7 * week + 1)):
            if questionnaire.closes_at <= dt.datetime.now(tz=dt.UTC):
                break
            tasks.send_reminders_task(questionnaire.pk)
    counts = set(questionnaire.invitations.values_list("reminder_count", flat=True))
    assert counts == {3} and pending > 0


def test_beat_schedule_runs_the_reminders_task():
    entry = project_settings.CELERY_BEAT_SCHEDULE["survey-reminders"]
    assert entry["task"] == tasks.send_due_reminders_task.name


def test_resend_to_one_person_from_the_page(sent, cycle, work_team_user, django_capture_on_commit_callbacks):
    invitation = Invitation.objects.get(contact__email="government.2@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(work_team_user).post(
            reverse("surveys:invitation_resend", kwargs={"slug": cycle.slug, "pk": invitation.pk}), follow=True)
    assert "A new invitation is on its way" in page.content.decode()
    assert [m.to[0] for m in mail.outbox] == ["government.2@example.org"]


def test_send_and_remind_buttons(cycle, contacts, work_team_user, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    team = client_for(work_team_user)
    with django_capture_on_commit_callbacks(execute=True):
        page = team.post(reverse("surveys:invitation_send", kwargs={"slug": cycle.slug}), follow=True)
    html = page.content.decode()
    assert "18 invitations created" in html and "1 contacts have no e-mail address" in html
    assert len(mail.outbox) == 18
    listing = team.get(reverse("surveys:invitation_list", kwargs={"slug": cycle.slug})).content.decode()
    assert listing.count(">Sent</span>") == 18
    remind = reverse("surveys:invitation_remind", kwargs={"slug": cycle.slug})
    with django_capture_on_commit_callbacks(execute=True):
        page = team.post(remind, follow=True)
    assert len(mail.outbox) == 18  # everyone was invited seconds ago
    assert "18 people were skipped because they were invited or reminded less than 24 hours ago" in page.content.decode()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=25)):
        team = client_for(work_team_user)  # a day later the staff session has passed its idle limit
        with django_capture_on_commit_callbacks(execute=True):
            first = team.post(remind, follow=True).content.decode()
            second = team.post(remind, follow=True).content.decode()
    assert len(mail.outbox) == 36
    assert "Reminders are being sent to 18 people" in first
    assert "18 people were skipped because they were invited or reminded less than 24 hours ago" in second
    assert set(Invitation.objects.values_list("reminder_count", flat=True)) == {1}


def test_on_demand_reminders_stop_at_the_maximum(sent, cycle, django_capture_on_commit_callbacks):
    Invitation.objects.update(reminder_count=mailing.MAX_REMINDERS)
    mail.outbox.clear()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=True):
            plan = services.send_reminders(cycle)
    assert (plan.queued, plan.skipped_max, len(mail.outbox)) == (0, 18, 0)


def test_open_link_page_shows_a_working_url(cycle, work_team_user, client):
    from stakeholders.models import StakeholderGroup

    group = StakeholderGroup.objects.get(code="community")
    page = client_for(work_team_user).post(reverse("surveys:open_link_create", kwargs={"slug": cycle.slug}),
                                           {"group": group.pk})
    html = page.content.decode()
    url = html.split('id="open-url" class="form-control font-monospace" readonly value="')[1].split('"')[0]
    assert client.get(url.replace("http://127.0.0.1:8000", "")).status_code == 200
    assert Invitation.objects.filter(is_open_link=True, group=group).count() == 1
