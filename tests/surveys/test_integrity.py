"""A rating's response and topic must exist: checked per statement by surveys.integrity, on both databases."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from materiality.models import Topic
from surveys import imports
from surveys.models import Rating, Response
from tests.scoring_helpers import make_questionnaires, synthetic_csv

POSTGRES = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="delete-side triggers are PostgreSQL's")


@pytest.fixture
def rated(assessment):
    """An assessment with imported answers: 2 respondents per group, 24 ratings each."""
    make_questionnaires(assessment)
    imports.import_responses(assessment, synthetic_csv(assessment, per_group=2, seed=1), "answers.csv")
    return assessment


def execute(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_rating(response_id: int, topic_id: int) -> None:
    execute("INSERT INTO surveys_rating (response_id, topic_id, horizon, comment, dont_know) "
            "VALUES (%s, %s, '', '', '[]')", [response_id, topic_id])


def test_a_rating_for_a_missing_response_or_topic_is_refused(rated):
    response = Response.objects.filter(assessment=rated).first()
    unrated = Topic.objects.exclude(library=rated.library).first() or Topic.objects.create(
        library=rated.library, code="X01", pillar="E", name_en="Spare", position=99)
    before = Rating.objects.count()
    with pytest.raises(IntegrityError):
        insert_rating(response.pk + 10_000, unrated.pk)
    with pytest.raises(IntegrityError):
        insert_rating(response.pk, unrated.pk + 10_000)
    with pytest.raises(IntegrityError):
        execute("UPDATE surveys_rating SET response_id = %s WHERE response_id = %s", [response.pk + 10_000, response.pk])
    insert_rating(response.pk, unrated.pk)  # both exist: accepted
    assert Rating.objects.count() == before + 1


def test_deleting_through_the_orm_keeps_its_rules(rated):
    response = Response.objects.filter(assessment=rated).first()
    response.delete()  # CASCADE: its ratings go first
    assert not Rating.objects.filter(response_id=response.pk).exists()
    with pytest.raises(ProtectedError):
        Topic.objects.filter(library=rated.library).first().delete()


@POSTGRES
def test_a_referenced_response_or_topic_cannot_be_deleted_or_renumbered_in_sql(rated):
    rating = Rating.objects.first()
    for sql, params in (
        ("DELETE FROM surveys_response WHERE id = %s", [rating.response_id]),
        ("DELETE FROM materiality_topic WHERE id = %s", [rating.topic_id]),
        ("UPDATE surveys_response SET id = id + 100000 WHERE id = %s", [rating.response_id]),
        ("UPDATE materiality_topic SET id = id + 100000 WHERE id = %s", [rating.topic_id]),
    ):
        with pytest.raises(IntegrityError):
            execute(sql, params)
    assert Response.objects.filter(pk=rating.response_id).exists()
    assert Topic.objects.filter(pk=rating.topic_id).exists()
