"""Redis stopped: send, remind, resend and `invite` say so, keep nothing they could not queue, work when it is back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation
from tests.conftest import client_for
from tests.integration.private_redis import private_redis  # noqa: F401  (fixture)
from tests.surveys.conftest import contacts, cycle  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.integration]
DOWN = "cannot be reached"


def personal() -> Invitation:
    return Invitation.objects.filter(is_open_link=False)


@pytest.fixture
def open_cycle(private_redis, cycle, contacts):  # noqa: F811
    now = timezone.now()
    cycle.questionnaires.update(opens_at=now - dt.timedelta(days=3), closes_at=now + dt.timedelta(days=10))
    return cycle


def mailed_three_days_ago(assessment) -> None:
    """Everybody invited and mailed three days ago (due a reminder), as after a successful send."""
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    from surveys import services

    services.create_invitations(assessment)
    personal().update(status=Invitation.Status.SENT, sent_at=three_days_ago)


def test_send_invitations(open_cycle, private_redis, work_team_user):  # noqa: F811
    client = client_for(work_team_user)
    url = reverse("surveys:invitation_send", args=[open_cycle.slug])
    private_redis.stop()
    page = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "无法连接任务队列" in page.content.decode()
    assert not personal().exists()
    private_redis.start()
    client.post(url, follow=True)
    assert personal().count() == 18 and private_redis.queued() >= 1


def test_send_reminders(open_cycle, private_redis, work_team_user):  # noqa: F811
    mailed_three_days_ago(open_cycle)
    client = client_for(work_team_user)
    url = reverse("surveys:invitation_remind", args=[open_cycle.slug])
    private_redis.stop()
    page = client.post(url, follow=True)
    assert page.status_code == 200 and DOWN in page.content.decode()
    assert not personal().exclude(last_reminded_at=None).exists()  # nobody skips the next reminder
    private_redis.start()
    client.post(url, follow=True)
    assert not personal().filter(last_reminded_at=None).exists() and private_redis.queued() >= 1


def test_resend_an_invitation(open_cycle, private_redis, work_team_user):  # noqa: F811
    mailed_three_days_ago(open_cycle)
    invitation = personal().first()
    client = client_for(work_team_user)
    url = reverse("surveys:invitation_resend", args=[open_cycle.slug, invitation.pk])
    private_redis.stop()
    page = client.post(url, follow=True)
    assert page.status_code == 200 and DOWN in page.content.decode()
    private_redis.start()
    page = client.post(url, follow=True)
    assert "on its way" in page.content.decode() and private_redis.queued() == 1


def test_invite_command_prints_the_reason_and_keeps_nothing(open_cycle, private_redis):  # noqa: F811
    private_redis.stop()
    with pytest.raises(CommandError, match=DOWN):
        call_command("invite", open_cycle.slug)
    assert not personal().exists()
    mailed_three_days_ago(open_cycle)
    with pytest.raises(CommandError, match=DOWN):
        call_command("invite", open_cycle.slug, "--reminder")
    assert not personal().exclude(last_reminded_at=None).exists()
