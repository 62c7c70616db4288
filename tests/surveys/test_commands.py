"""create_assessment, invite and open_link as DESIGN.md section 4 specifies them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from materiality.models import Assessment
from surveys.models import Invitation


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_assessment_with_weights_and_close_date(library_2024):
    out = run("create_assessment", "dma-x", "--library-year", "2024", "--scale", "7",
              "--weights", "customers=2,management=1.5", "--major", "5", "--important", "4", "--closes", "2099-12-31")
    assessment = Assessment.objects.get(slug="dma-x")
    weights = {w.group.code: w.weight for w in assessment.group_weights.select_related("group")}
    assert weights["customers"] == 2 and weights["management"] == 1.5 and weights["suppliers"] == 1 and len(weights) == 9
    assert (assessment.scale, assessment.major_threshold, assessment.important_threshold) == (7, 5, 4)
    assert assessment.questionnaires.count() == 2 and "Created assessment dma-x" in out
    assert all(q.closes_at == assessment.closes_at for q in assessment.questionnaires.all())


def test_create_assessment_defaults_to_thirty_days(library_2024):
    run("create_assessment", "dma-y", "--library-year", "2024")
    assessment = Assessment.objects.get(slug="dma-y")
    assert round((assessment.closes_at - assessment.opens_at).total_seconds() / 86400) == 30


@pytest.mark.parametrize("args,message", [
    (["--library-year", "1999"], "No issue library for 1999"),
    (["--library-year", "2024", "--scale", "11"], "scale"),
    (["--library-year", "2024", "--weights", "martians=2"], "unknown group 'martians'"),
    (["--library-year", "2024", "--weights", "customers=heavy"], "not a number"),
    (["--library-year", "2024", "--weights", "customers=-1"], "0 or more"),
    (["--library-year", "2024", "--weights", "customers"], "not code=weight"),
    (["--library-year", "2024", "--closes", "31/12/2099"], "not a date"),
    (["--library-year", "2024", "--closes", "2001-01-01"], "not in the future"),
    (["--library-year", "2024", "--closes", "9999-12-31"], "outside 2000-01-01..2100-12-31"),
    (["--library-year", "2024", "--important", "4.5"], "cannot exceed the major threshold"),
])
def test_create_assessment_refuses_bad_input_and_changes_nothing(library_2024, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_assessment", "dma-z", *args)
    assert not Assessment.objects.filter(slug="dma-z").exists()


def test_create_assessment_refuses_an_existing_slug(assessment):
    with pytest.raises(CommandError, match="already exists"):
        run("create_assessment", assessment.slug, "--library-year", "2024")


def test_invite_then_remind(cycle, contacts, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run("invite", cycle.slug, "--group", "customers") == f"{cycle.slug}: created 2, invitations sent 2, failed 0.\n"
    assert run("invite", cycle.slug) == f"{cycle.slug}: created 16, invitations sent 16, failed 0.\n"
    skipped = run("invite", cycle.slug, "--reminder", "--group", "management")
    assert "reminders sent 0, failed 0." in skipped and "Skipped 2 invited or reminded less than 24 hours ago" in skipped
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=25)):
        assert run("invite", cycle.slug, "--reminder", "--group", "management").endswith("reminders sent 2, failed 0.\n")
        again = run("invite", cycle.slug, "--reminder", "--group", "management")
    assert "reminders sent 0" in again and "Skipped 2" in again
    assert len(mail.outbox) == 20
    with pytest.raises(CommandError, match="Not a group"):
        run("invite", cycle.slug, "--group", "martians")
    with pytest.raises(CommandError, match="No assessment"):
        run("invite", "nope")


def test_open_link_prints_a_url_and_keeps_one_link_per_group(cycle, client):
    first = run("open_link", cycle.slug, "--group", "community").strip()
    second = run("open_link", cycle.slug, "--group", "community").strip()
    assert first.startswith("http") and first != second and "\n" not in first
    assert Invitation.objects.filter(is_open_link=True).count() == 1
    for url in (first, second):
        assert client.get(url.split("8000", 1)[1]).status_code == 200
    with pytest.raises(CommandError, match="No group 'martians'"):
        run("open_link", cycle.slug, "--group", "martians")
