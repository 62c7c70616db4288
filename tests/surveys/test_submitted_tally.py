"""The database keeps each assessment's submitted count (surveys.tally): it must equal a count of the responses
after every kind of write, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import random
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, Sum

from materiality.models import Assessment, AssessmentGroup
from surveys import exclusions, tally, tracking
from surveys.models import Response, SubmittedTally
from tests.scoring_helpers import import_synthetic, make_questionnaires, synthetic_csv

postgres_only = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                   reason="needs PostgreSQL (set DATABASE_URL)")


def counted() -> dict[int, int]:
    return dict(Response.objects.filter(status=Response.Status.SUBMITTED).order_by().values_list("assessment_id")
                .annotate(n=Count("*")))


def tallied() -> dict[int, int]:
    rows = SubmittedTally.objects.order_by().values("assessment_id").annotate(n=Sum("submitted"))
    return {row["assessment_id"]: row["n"] for row in rows if row["n"]}


def second_cycle(assessment: Assessment) -> Assessment:
    other = Assessment.objects.create(slug="dma-2025", name="DMA 2025", library=assessment.library,
                                      opens_at=assessment.opens_at, closes_at=assessment.closes_at)
    for ag in assessment.group_weights.all():
        AssessmentGroup.objects.create(assessment=other, group=ag.group, weight=ag.weight)
    make_questionnaires(other)
    return other


def submit_on_my_shard(assessment: Assessment, questionnaire_id: int, group_id: int) -> None:
    """From another connection whose small shard is this connection's, insert one submitted response under a
    500 ms lock timeout: it fails if this connection's open transaction holds that shard's tally row."""
    import psycopg

    settings = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        mine = cursor.fetchone()[0] % tally.SHARDS
    for _attempt in range(500):
        other = psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
                                port=settings["PORT"] or None, password=settings["PASSWORD"] or None, autocommit=True)
        if other.execute("SELECT pg_backend_pid()").fetchone()[0] % tally.SHARDS == mine:
            break
        other.close()
    else:
        pytest.fail("no connection landed on this connection's shard")
    try:
        other.execute("SET lock_timeout = '500ms'")
        other.execute(
            "INSERT INTO surveys_response (questionnaire_id, assessment_id, group_id, respondent_key, status, source, "
            "language, started_at, updated_at, quality_flags, exclusion_reason) "
            "VALUES (%s, %s, %s, 'web-1', 'submitted', 'web', 'en', now(), now(), '[]', '')",
            [questionnaire_id, assessment.pk, group_id])
    finally:
        other.close()


@pytest.fixture
def ready(assessment: Assessment) -> Assessment:
    make_questionnaires(assessment)
    return assessment


def test_imports_exclusions_reopening_and_deletes_keep_the_tally(ready):
    import_synthetic(ready, per_group=5)
    assert tallied() == counted() == {ready.pk: Response.objects.filter(assessment=ready).count()}
    import_synthetic(ready, per_group=5, seed=8)  # the same respondents again: replaces every answer
    assert tallied() == counted()

    first = Response.objects.filter(assessment=ready).first()
    exclusions.exclude_response(first, "test answers")  # excluded responses are still submitted
    assert tallied() == counted()

    Response.objects.filter(pk__in=Response.objects.filter(assessment=ready).values("pk")[:3]).update(
        status=Response.Status.DRAFT)
    Response.objects.filter(pk__in=Response.objects.filter(assessment=ready).values("pk")[3:6]).delete()
    assert tallied() == counted()
    assert tracking.assessments_with_submitted().get(pk=ready.pk).submitted == counted()[ready.pk]


def test_moving_and_deleting_whole_cycles_keep_the_tally(ready):
    other = second_cycle(ready)
    import_synthetic(ready, per_group=3)
    import_synthetic(other, per_group=4)
    moved = Response.objects.filter(assessment=ready).order_by("pk")[0]
    Response.objects.filter(pk=moved.pk).update(assessment=other, respondent_key="moved")
    assert tallied() == counted()
    assert {a.pk: a.submitted for a in tracking.assessments_with_submitted()} == counted()

    other.delete()
    assert tallied() == counted() == {ready.pk: Response.objects.filter(assessment=ready).count()}
    assert [a.submitted for a in tracking.assessments_with_submitted()] == [counted()[ready.pk]]


def test_any_mix_of_single_and_bulk_writes_keeps_the_tally(ready):
    other = second_cycle(ready)
    cycles = [ready, other]
    questionnaires = {a.pk: a.questionnaires.first() for a in cycles}
    groups = {a.pk: a.group_weights.first().group for a in cycles}
    chance = random.Random(16)
    for step in range(120):
        move = chance.random()
        mine = Response.objects.filter(assessment=chance.choice(cycles))
        if move < 0.4:
            a = chance.choice(cycles)
            Response.objects.create(assessment=a, questionnaire=questionnaires[a.pk], group=groups[a.pk],
                                    respondent_key=f"k{step}", status=chance.choice(list(Response.Status.values)))
        elif move < 0.55:
            a = chance.choice(cycles)
            Response.objects.bulk_create(
                Response(assessment=a, questionnaire=questionnaires[a.pk], group=groups[a.pk],
                         respondent_key=f"b{step}-{i}", status=chance.choice(list(Response.Status.values)))
                for i in range(chance.randint(1, 5)))
        elif move < 0.75:
            row = mine.order_by("?").first()
            if row:
                row.status = Response.Status.SUBMITTED if row.status == Response.Status.DRAFT else Response.Status.DRAFT
                row.save()
        elif move < 0.85:
            mine.filter(pk__in=mine.values("pk")[:chance.randint(0, 4)]).update(
                status=chance.choice(list(Response.Status.values)), language="zh-hans")
        else:
            mine.filter(pk__in=mine.values("pk")[:chance.randint(0, 3)]).delete()
        if step % 20 == 19:
            assert tallied() == counted(), step
    assert tallied() == counted()


def test_the_recount_a_migration_runs_agrees_with_the_triggers(ready):
    import_synthetic(ready, per_group=2)
    before = tallied()
    tally.recount(connection)
    assert tallied() == before == counted()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submits_from_several_connections_add_up(ready):
    a, questionnaire = ready, ready.questionnaires.first()
    group = questionnaire.groups.first()
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def submit_many(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                with transaction.atomic():
                    r = Response.objects.create(assessment=a, questionnaire=questionnaire, group=group,
                                                respondent_key=f"w{worker}-{i}")
                    Response.objects.filter(pk=r.pk).update(status=Response.Status.SUBMITTED)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit_many, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert tallied()[a.pk] == 100 == counted()[a.pk]



@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_in_progress_does_not_hold_up_a_respondents_submit(ready):
    """A bulk statement adds to a shard no connection's small writes use, so its long transaction blocks no one."""
    a, questionnaire = ready, ready.questionnaires.first()
    group = questionnaire.groups.first()
    with transaction.atomic():
        Response.objects.bulk_create(
            Response(assessment=a, questionnaire=questionnaire, group=group, respondent_key=f"imp-{i}",
                     status=Response.Status.SUBMITTED, source=Response.Source.IMPORT)
            for i in range(tally.BULK + 1))
        submit_on_my_shard(a, questionnaire.pk, group.pk)
    assert tallied()[a.pk] == tally.BULK + 2 == counted()[a.pk]


@pytest.mark.parametrize("tally_first", [False, True])
def test_loading_a_fixture_with_tally_rows_does_not_count_twice(ready, tmp_path, tally_first):
    """dumpdata writes the tally's rows too; loading them beside the responses their triggers count must not add."""
    from django.core.management import call_command

    import_synthetic(ready, per_group=3)
    expected = counted()
    responses, tallies = tmp_path / "responses.json", tmp_path / "tally.json"
    call_command("dumpdata", "surveys.response", output=str(responses), verbosity=0)
    call_command("dumpdata", "surveys.submittedtally", output=str(tallies), verbosity=0)
    Response.objects.all().delete()
    assert tallied() == {}
    for fixture in ([tallies, responses] if tally_first else [responses, tallies]):
        call_command("loaddata", str(fixture), verbosity=0)
    assert tallied() == counted() == expected


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_import_in_progress_does_not_hold_up_a_submit_either(ready):
    """An import that adds only a few respondents (a re-import, say) still writes to the bulk shard."""
    from surveys import imports

    a, questionnaire = ready, ready.questionnaires.first()
    with transaction.atomic():
        imports.import_responses(a, synthetic_csv(a, per_group=2), "answers.csv")
        submit_on_my_shard(a, questionnaire.pk, questionnaire.groups.first().pk)
    assert tallied() == counted()
