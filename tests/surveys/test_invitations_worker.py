"""Invitations through the real path: the service queues Celery tasks on commit, a real worker on Redis sends them.

The worker runs in a thread of this process (celery.contrib.testing), so the locmem outbox is the one it fills.
"""

from __future__ import annotations

import os
import time

import pytest
from celery.signals import task_postrun
from django.core import mail
from django.db import connection
from django_celery_results.models import TaskResult

from materiality.models import Assessment
from stakeholders.models import Stakeholder
from surveys import services
from surveys.models import Invitation
from tests.surveys.conftest import token_from

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL) for a real Celery worker"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def close_worker_connection(**_: object) -> None:
    """Let the worker thread give its database connection back after each task, so the test database can go."""
    connection.close()


@pytest.fixture
def worker(settings) -> object:
    from celery.contrib.testing.worker import start_worker

    from materiality.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert not app.conf.task_always_eager, "integration tests need the real broker"
    app.control.purge()  # nothing left over from an earlier run may reach this worker
    task_postrun.connect(close_worker_connection)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        task_postrun.disconnect(close_worker_connection)


def wait_until_settled(invitations, seconds: float = 60) -> list[str]:
    """Poll until no invitation is still waiting to be sent; return their statuses."""
    deadline = time.monotonic() + seconds
    while True:
        statuses = list(invitations.values_list("status", flat=True))
        if Invitation.Status.CREATED not in statuses or time.monotonic() > deadline:
            return statuses
        time.sleep(0.1)


def test_a_real_worker_sends_every_invitation_once(worker, cycle: Assessment, contacts: list[Stakeholder]):
    summary = services.invite_contacts(cycle)  # queues one task per batch once the transaction commits
    assert summary.created == len(contacts) and summary.skipped_without_email == 1
    invitations = Invitation.objects.filter(questionnaire__assessment=cycle)
    statuses = wait_until_settled(invitations)

    assert statuses == [Invitation.Status.SENT] * len(contacts)
    assert all(i.sent_at and not i.error for i in invitations)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in contacts)
    done = TaskResult.objects.filter(task_name="surveys.tasks.send_invitations_task")
    deadline = time.monotonic() + 30
    # A task's row says STARTED while it runs and SUCCESS just after it returns, a moment after its last e-mail.
    while done.filter(status="SUCCESS").count() < len(summary.batches) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(done.values_list("status", flat=True)) == ["SUCCESS"] * len(summary.batches)
    for message in mail.outbox:  # each e-mail's link opens that person's own invitation
        assert services.find_invitation(token_from(message)).contact.email == message.to[0]


def test_a_resend_goes_through_the_worker_too(worker, cycle: Assessment, contacts: list[Stakeholder]):
    services.invite_contacts(cycle, group_codes=["customers"])
    invitations = Invitation.objects.filter(questionnaire__assessment=cycle)
    assert wait_until_settled(invitations) == [Invitation.Status.SENT] * 2
    first = invitations.select_related("contact", "questionnaire").first()

    services.resend_invitation(first)  # outside a transaction: queued at once
    deadline = time.monotonic() + 60
    while len(mail.outbox) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)

    assert [m.to[0] for m in mail.outbox].count(first.contact.email) == 2
    links = [token_from(m) for m in mail.outbox if m.to[0] == first.contact.email]
    assert links[0] != links[1]  # a fresh link each time; both open the same invitation
    assert {services.find_invitation(t).pk for t in links} == {first.pk}
