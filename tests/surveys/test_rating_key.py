"""A rating is keyed by its response and topic: one rating per topic, found and upserted by that pair."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from surveys import services
from surveys.models import Rating, Response
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def response(assessment) -> Response:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=1, seed=5)
    return Response.objects.filter(assessment=assessment).first()


def test_a_rating_is_found_by_its_response_and_topic(response):
    rating = response.ratings.first()
    assert rating.pk == (response.pk, rating.topic_id)
    assert Rating.objects.get(pk=(response.pk, rating.topic_id)).severity == rating.severity


def test_a_second_rating_of_the_same_topic_is_refused(response):
    rating = response.ratings.first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO surveys_rating (response_id, topic_id, horizon, comment, dont_know) "
                       "VALUES (%s, %s, '', '', '[]')", [response.pk, rating.topic_id])
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(response=response, topic=rating.topic, severity=1)


def test_upserting_a_rating_again_changes_the_same_row(response):
    rating = response.ratings.select_related("topic").first()
    count = Rating.objects.count()
    services.upsert_ratings(response, {rating.topic: services.Answer(severity=2, comment="second thoughts")})
    stored = Rating.objects.get(pk=rating.pk)
    assert (stored.severity, stored.comment) == (2, "second thoughts") and Rating.objects.count() == count


def test_a_rating_saves_and_deletes_by_its_key(response):
    rating = response.ratings.first()
    rating.severity = 1
    rating.save()
    assert Rating.objects.get(pk=rating.pk).severity == 1
    rating.delete()
    assert not Rating.objects.filter(response=response, topic_id=rating.topic_id).exists()
