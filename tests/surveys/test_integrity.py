"""The references of ratings and responses must exist: checked per statement by surveys.integrity, on both databases."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from materiality.models import Assessment, Topic
from stakeholders.models import StakeholderGroup
from surveys import imports
from surveys.models import Invitation, Questionnaire, Rating, Response
from tests.scoring_helpers import make_questionnaires, synthetic_csv

POSTGRES = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="delete-side triggers are PostgreSQL's")


@pytest.fixture
def rated(assessment):
    """An assessment with imported answers: 2 respondents per group, 24 ratings each."""
    make_questionnaires(assessment)
    imports.import_responses(assessment, synthetic_csv(assessment, per_group=2, seed=1), "answers.csv")
    return assessment


@pytest.fixture
def invited(assessment) -> Response:
    """A response through a personal invitation, in a group of its own (so that only the response protects it)."""
    questionnaire, _raters = make_questionnaires(assessment)
    group = StakeholderGroup.objects.create(code="auditors", name_en="Auditors")
    invitation = Invitation.objects.create(questionnaire=questionnaire, group=group, token_hash="a" * 64)
    return Response.objects.create(questionnaire=questionnaire, assessment=assessment, group=group,
                                   invitation=invitation, respondent_key=invitation.respondent_key)


def execute(sql: str, params: list[object], savepoint: bool = True) -> None:
    with transaction.atomic(savepoint=savepoint), connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_rating(response_id: int, topic_id: int, savepoint: bool = True) -> None:
    execute("INSERT INTO surveys_rating (response_id, topic_id, horizon, comment, dont_know) "
            "VALUES (%s, %s, '', '', '[]')", [response_id, topic_id], savepoint)


def insert_response(response: Response, key: str, savepoint: bool = True, **ids: int | None) -> None:
    """Insert a copy of a response in raw SQL, with some of its references replaced."""
    values = {"questionnaire_id": response.questionnaire_id, "assessment_id": response.assessment_id,
              "group_id": response.group_id, "invitation_id": response.invitation_id, **ids}
    execute(f"INSERT INTO surveys_response ({', '.join(values)}, respondent_key, status, source, language, started_at, "
            "updated_at, quality_flags) VALUES (" + ", ".join(["%s"] * len(values)) + ", %s, 'draft', 'web', 'en', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '[]')", [*values.values(), key], savepoint)


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


@pytest.mark.parametrize("column", ["questionnaire_id", "assessment_id", "group_id", "invitation_id"])
def test_a_response_with_a_missing_reference_is_refused(invited, column):
    with pytest.raises(IntegrityError):
        insert_response(invited, "new", **{column: getattr(invited, column) + 10_000})
    with pytest.raises(IntegrityError):
        execute(f"UPDATE surveys_response SET {column} = {column} + 10000 WHERE id = %s", [invited.pk])
    assert Response.objects.get(pk=invited.pk).invitation_id == invited.invitation_id


def test_a_response_without_an_invitation_is_accepted(invited):
    insert_response(invited, "open-link", invitation_id=None)
    execute("UPDATE surveys_response SET invitation_id = NULL WHERE id = %s", [invited.pk])
    assert Response.objects.filter(invitation=None).count() == 2


def test_deleting_through_the_orm_keeps_its_rules(rated):
    response = Response.objects.filter(assessment=rated).first()
    response.delete()  # CASCADE: its ratings go first
    assert not Rating.objects.filter(response_id=response.pk).exists()
    with pytest.raises(ProtectedError):
        Topic.objects.filter(library=rated.library).first().delete()


def test_deleting_an_invitation_keeps_its_response(invited):
    Invitation.objects.get(pk=invited.invitation_id).delete()  # SET_NULL
    assert Response.objects.get(pk=invited.pk).invitation_id is None


def test_deleting_a_questionnaire_deletes_its_responses_and_ratings(invited):
    Rating.objects.create(response=invited, topic=invited.assessment.library.topics.first(), severity=3)
    Questionnaire.objects.get(pk=invited.questionnaire_id).delete()  # CASCADE, its invitation's SET_NULL on the way
    assert not Response.objects.exists() and not Rating.objects.exists()


def test_deleting_an_assessment_deletes_its_responses_and_ratings(invited):
    Rating.objects.create(response=invited, topic=invited.assessment.library.topics.first(), severity=3)
    Assessment.objects.get(pk=invited.assessment_id).delete()  # CASCADE
    assert not Response.objects.exists() and not Rating.objects.exists() and not Invitation.objects.exists()


def test_a_group_with_responses_cannot_be_deleted(invited):
    group = StakeholderGroup.objects.get(pk=invited.group_id)
    Invitation.objects.filter(group=group).delete()
    with pytest.raises(ProtectedError) as refused:  # PROTECT
        group.delete()
    assert set(refused.value.protected_objects) == {Response.objects.get(pk=invited.pk)}
    Response.objects.filter(group=group).delete()
    group.delete()


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


@POSTGRES
@pytest.mark.parametrize("table, column", [
    ("surveys_questionnaire", "questionnaire_id"), ("materiality_assessment", "assessment_id"),
    ("stakeholders_stakeholdergroup", "group_id"), ("surveys_invitation", "invitation_id"),
])
def test_a_referenced_parent_of_a_response_cannot_be_deleted_or_renumbered_in_sql(invited, table, column):
    parent = getattr(invited, column)
    for sql in (f"DELETE FROM {table} WHERE id = %s", f"UPDATE {table} SET id = id + 100000 WHERE id = %s"):
        with pytest.raises(IntegrityError):
            execute(sql, [parent])
    assert Response.objects.filter(**{column: parent}).exists()


@POSTGRES
def test_an_unreferenced_invitation_can_be_deleted_in_sql(invited):
    execute("UPDATE surveys_response SET invitation_id = NULL WHERE id = %s", [invited.pk])
    execute("DELETE FROM surveys_invitation WHERE id = %s", [invited.invitation_id])
    assert not Invitation.objects.exists()


def other_connection():
    """A second PostgreSQL connection (autocommit, short lock timeout): another transaction's view."""
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
                            port=settings["PORT"] or None, password=settings["PASSWORD"] or None, autocommit=True)
    other.execute("SET lock_timeout = '200ms'")
    return other


@POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_reference_locks_its_parent_until_commit(invited):
    """Another transaction cannot delete a parent that an uncommitted row refers to (it does not see that row)."""
    import psycopg

    other = other_connection()
    try:
        execute("UPDATE surveys_response SET invitation_id = NULL WHERE id = %s", [invited.pk])
        with transaction.atomic():
            insert_response(invited, "second")  # refers to the invitation again, not yet committed
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM surveys_invitation WHERE id = %s", [invited.invitation_id])
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # committed: refused outright
            other.execute("DELETE FROM surveys_invitation WHERE id = %s", [invited.invitation_id])
    finally:
        other.close()


@POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_update_that_keeps_the_references_locks_no_parent(invited):
    """As with a foreign key, only a changed reference is checked: an autosave leaves the parents free."""
    other = other_connection()
    try:
        with transaction.atomic():
            execute("UPDATE surveys_response SET updated_at = CURRENT_TIMESTAMP WHERE id = %s", [invited.pk])
            execute("UPDATE surveys_rating SET severity = 3 WHERE response_id = %s", [invited.pk])
            other.execute("SELECT 1 FROM surveys_invitation WHERE id = %s FOR UPDATE", [invited.invitation_id])
            other.execute("SELECT 1 FROM surveys_questionnaire WHERE id = %s FOR UPDATE", [invited.questionnaire_id])
    finally:
        other.close()


def _locker(response_id: int) -> int:
    """The xmax of the response's visible version: the id of a transaction that locked or changed it, else 0."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmax::text::bigint FROM surveys_response WHERE id = %s", [response_id])
        return cursor.fetchone()[0]


@POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ratings_under_a_response_of_the_same_transaction_lock_nothing(invited):
    """An import writes its responses and then their ratings in one transaction: the ratings' check counts those
    responses without locking each one (the lock would write to every row)."""
    topic = Topic.objects.filter(library=invited.assessment.library).first()
    with transaction.atomic():  # no savepoints: their rows carry a subtransaction's id (and are locked as before)
        insert_response(invited, "fresh", savepoint=False)
        fresh = Response.objects.get(respondent_key="fresh")
        insert_rating(fresh.pk, topic.pk, savepoint=False)
        assert _locker(fresh.pk) == 0
    assert Rating.objects.filter(response=fresh).count() == 1


@POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rating_under_an_earlier_response_still_locks_it_until_commit(invited):
    import psycopg

    topic = Topic.objects.filter(library=invited.assessment.library).first()
    other = other_connection()
    try:
        with transaction.atomic():
            insert_rating(invited.pk, topic.pk)
            assert _locker(invited.pk) != 0
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM surveys_response WHERE id = %s", [invited.pk])
    finally:
        other.close()
