"""The freeze triggers' id-range shortcut never lets a confirmed cycle's rows through, and stops only real writes.

Once a cycle is confirmed, a statement writing ratings first compares its range of response ids with the confirmed
cycles' responses (materiality.freeze.refuse_if_confirmed); the exact check runs only when they overlap.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from materiality import freeze
from materiality.models import Assessment, Topic
from stakeholders.models import StakeholderGroup
from surveys.models import Questionnaire, Response

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="statement triggers are PostgreSQL's")


def responses(assessment: Assessment, keys: list[str]) -> list[int]:
    questionnaire = assessment.questionnaires.first() or Questionnaire.objects.create(
        assessment=assessment, title_en="Survey", opens_at=assessment.opens_at, closes_at=assessment.closes_at)
    group = StakeholderGroup.objects.order_by("pk").first()
    return [Response.objects.create(questionnaire=questionnaire, assessment=assessment, group=group,
                                    respondent_key=key).pk for key in keys]


def rate(response_ids: list[int]) -> bool:
    """Insert one rating per response in ONE statement; tell whether the database refused it as frozen."""
    topic = Topic.objects.filter(library__year=2024).order_by("position").first()
    values = ", ".join(["(%s, %s, '', '', '[]')"] * len(response_ids))
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO surveys_rating (response_id, topic_id, horizon, comment, dont_know) "
                           f"VALUES {values}", [v for r in response_ids for v in (r, topic.pk)])
    except DatabaseError as exc:
        assert freeze.MESSAGE in str(exc)
        return True
    return False


@pytest.fixture
def cycles(assessment, library_2024):
    """Last year's cycle (confirmed) whose response ids lie between this year's."""
    now = timezone.now()
    current = Assessment.objects.create(slug="dma-2025", name="DMA 2025", library=library_2024,
                                        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9))
    before = responses(current, ["a"])
    old = responses(assessment, ["old"])
    after = responses(current, ["b", "c"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE materiality_assessment SET confirmed_at = now() WHERE id = %s", [assessment.pk])
    return {"old": old, "before": before, "after": after}


def test_ratings_above_every_confirmed_response_are_written(cycles):
    assert not rate(cycles["after"])


def test_ratings_whose_range_spans_a_confirmed_response_are_checked_exactly(cycles):
    assert not rate(cycles["before"] + cycles["after"])  # the range holds the confirmed id, no row is its


def test_a_confirmed_cycles_rating_is_refused_among_others(cycles):
    assert rate(cycles["before"] + cycles["old"] + cycles["after"])
    assert rate(cycles["old"])
