"""One state per assessment, from its dates and confirmation, the same on the list, the overview and the home page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from materiality.models import Assessment
from surveys import states
from tests.conftest import client_for

NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(("confirmed", "opens", "closes", "expected"), [
    (True, NOW - 9 * DAY, NOW - DAY, states.CONFIRMED),
    (False, NOW - 9 * DAY, NOW - DAY, states.CLOSED),
    (False, NOW - 9 * DAY, NOW, states.CLOSED),  # the close moment itself is closed
    (False, NOW - DAY, NOW + DAY, states.OPEN),
    (False, NOW, NOW + DAY, states.OPEN),
    (False, NOW + DAY, NOW + 9 * DAY, states.NOT_OPEN),
])
def test_cycle_state(confirmed, opens, closes, expected):
    assert states.cycle_state(confirmed=confirmed, opens_at=opens, closes_at=closes, now=NOW) == expected


def test_pages_show_the_state_from_the_dates(assessment, work_team_user):
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(opens_at=now - 60 * DAY, closes_at=now - 30 * DAY)
    team = client_for(work_team_user)
    pages = [team.get(reverse("surveys:assessment_list")), team.get(reverse("home")),
             team.get(reverse("surveys:assessment_detail", kwargs={"slug": assessment.slug}))]
    for page in pages:
        html = page.content.decode()
        assert '<span class="badge text-bg-dark">Closed</span>' in html
        assert "In progress" not in html and '<span class="badge text-bg-primary">Open</span>' not in html
    Assessment.objects.filter(pk=assessment.pk).update(opens_at=now + DAY, closes_at=now + 30 * DAY)
    assert "Not open yet" in team.get(reverse("surveys:assessment_list")).content.decode()
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=now)
    assert '<span class="badge text-bg-success">Confirmed</span>' in team.get(reverse("home")).content.decode()


def test_open_link_warns_when_the_questionnaire_is_closed(cycle):
    questionnaire = cycle.questionnaires.first()
    out, err = io.StringIO(), io.StringIO()
    call_command("open_link", cycle.slug, "--group", questionnaire.groups.first().code, stdout=out, stderr=err)
    assert err.getvalue() == ""
    questionnaire.closes_at = timezone.now() - DAY
    questionnaire.save()
    out, err = io.StringIO(), io.StringIO()
    call_command("open_link", cycle.slug, "--group", questionnaire.groups.first().code, stdout=out, stderr=err)
    assert "/r/" in out.getvalue() and "Warning: the link is closed" in err.getvalue()
