"""The scoring job: one query, results all at once, failures keep the last good run, reruns are identical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from materiality import aggregation, services
from materiality.models import Assessment, GroupScore, ScoreRun, TopicScore
from tests.materiality.conftest import stored
from tests.scoring_helpers import import_synthetic, make_questionnaires

REFERENCE = Path("/work/shared/reference/calb-2024.json")
PUBLISHED = {"S01": "major", "S07": "major", "S06": "general", "E07": "general"}


@pytest.fixture
def answered(assessment: Assessment) -> Assessment:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=20, seed=11)
    return assessment


def queue(assessment: Assessment) -> ScoreRun:
    return ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())


def test_statistics_come_from_one_query(answered):
    with CaptureQueriesContext(connection) as ctx:
        raw = aggregation.rating_statistics(answered.pk)
    # One query over the ratings (PostgreSQL also sets work_mem for it, inside a savepoint), after one indexed
    # look-up of the cycle's range of response ids.
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len([sql for sql in selects if '"surveys_rating"' in sql]) == 1 and len(selects) == 2
    from surveys.models import Rating

    assert raw["n_impact"].sum() == Rating.objects.filter(severity__isnull=False).count()  # don't know left out
    assert raw["n_financial"].sum() == Rating.objects.filter(magnitude__isnull=False).count()
    assert len(raw) == 9 * 24


def test_calb_profile_reproduces_the_published_classes(answered):
    run = queue(answered)
    aggregation.run_aggregation(run.pk)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.SUCCEEDED and run.progress == 100 and run.respondents == 180
    classes = dict(run.topic_scores.values_list("topic__code", "classification"))
    expected = {t: PUBLISHED.get(t, "important") for t in classes}
    if REFERENCE.exists():
        expected = {t["code"]: t["classification_2024"] for t in json.loads(REFERENCE.read_text())["topics"]}
    assert classes == expected
    assert GroupScore.objects.filter(run=run).count() == 9 * 24
    assert run.matrix_png[:8] == b"\x89PNG\r\n\x1a\n" and run.matrix_svg.lstrip().startswith("<?xml")
    assert set(run.sensitivity) == {"equal_weights", "internal_only", "external_only", "major_plus", "major_minus",
                                    "important_plus", "important_minus"}


def test_rerun_on_unchanged_input_gives_identical_numbers(answered):
    first, second = queue(answered), queue(answered)
    aggregation.run_aggregation(first.pk, draw=False)
    aggregation.run_aggregation(second.pk, draw=False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.input_checksum == second.input_checksum != ""
    fields = ["topic_id", "impact", "financial", "combined", "impact_low", "financial_high", "classification", "rank"]
    assert list(first.topic_scores.order_by("rank").values_list(*fields)) == \
        list(second.topic_scores.order_by("rank").values_list(*fields))


def test_a_claimed_run_is_not_run_twice(answered):
    run = queue(answered)
    aggregation.run_aggregation(run.pk, draw=False)
    aggregation.run_aggregation(run.pk, draw=False)  # a redelivered task: the claim fails, nothing changes
    assert TopicScore.objects.filter(run=run).count() == 24


def test_failed_run_keeps_last_results(answered, monkeypatch):
    good = queue(answered)
    aggregation.run_aggregation(good.pk, draw=False)

    def broken(*args, **kwargs):
        raise ValueError("scorer exploded")

    monkeypatch.setattr(aggregation.scoring, "sensitivity", broken)  # the job's pure edge, not our service
    bad = queue(answered)
    with pytest.raises(ValueError):
        aggregation.run_aggregation(bad.pk, draw=False)
    bad.refresh_from_db()
    assert bad.status == ScoreRun.Status.FAILED and "scorer exploded" in bad.error
    assert not TopicScore.objects.filter(run=bad).exists()
    assert services.latest_succeeded_run(answered) == good


def test_only_submitted_responses_count(answered):
    from surveys.models import Response

    Response.objects.filter(group__code="customers").update(status=Response.Status.DRAFT)
    raw = aggregation.rating_statistics(answered.pk)
    customers = answered.group_weights.get(group__code="customers").group_id
    assert customers not in set(raw["group_id"])


def test_start_aggregation_enqueues_after_commit(answered, work_team_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.start_aggregation(answered, started_by=work_team_user)
    assert run.status == ScoreRun.Status.QUEUED and len(callbacks) == 1
    assert run.params["weights"]["customers"] == 1.0 and run.params["major"] == 4.0
    assert services.start_aggregation(answered) == run  # an active run is not duplicated
    callbacks[0]()
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.SUCCEEDED and run.started_by == work_team_user


def test_stale_run_is_failed_when_a_new_one_starts(answered, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    stuck = queue(answered)
    ScoreRun.objects.filter(pk=stuck.pk).update(status=ScoreRun.Status.RUNNING,
                                                heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        fresh = services.start_aggregation(answered)
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == ScoreRun.Status.FAILED and fresh.status == ScoreRun.Status.SUCCEEDED


def test_year_over_year_follows_lineage(answered, library_2024):
    from django.utils import timezone

    from materiality.models import AssessmentGroup, IssueLibrary, TopicScore

    lib_2023 = IssueLibrary.objects.get(year=2023)
    previous = Assessment.objects.create(slug="dma-2023", name="DMA 2023", library=lib_2023,
                                         opens_at=answered.opens_at, closes_at=answered.closes_at)
    for ag in answered.group_weights.all():
        AssessmentGroup.objects.create(assessment=previous, group=ag.group, weight=1.0)
    make_questionnaires(previous)
    import_synthetic(previous, per_group=10, seed=3)
    old = queue(previous)
    aggregation.run_aggregation(old.pk, draw=False)
    answered.previous = previous
    answered.save()

    unconfirmed = queue(answered)
    aggregation.run_aggregation(unconfirmed.pk, draw=False)
    assert not TopicScore.objects.filter(run=unconfirmed).exclude(previous_topics="").exists()

    previous.confirmed_at = timezone.now()
    previous.save()
    run = queue(answered)
    aggregation.run_aggregation(run.pk, draw=False)
    scores = {s.topic.code: s for s in run.topic_scores.select_related("topic")}
    assert scores["E03"].is_new and scores["E03"].previous_combined is None  # new in 2024
    e01 = scores["E01"]  # renamed from "Climate change": matched through lineage
    old_e01 = old.topic_scores.get(topic__code="E01")
    assert not e01.is_new and e01.previous_topics == "E01" and e01.previous_combined == old_e01.combined


def test_the_matrix_drawn_beside_the_job_equals_the_one_drawn_in_process(answered, without_fork, caplog):
    """The second language and the SVGs are drawn in a forked child; without a fork the same bytes come out."""
    run = queue(answered)
    aggregation.run_aggregation(run.pk)
    run.refresh_from_db()
    assert "forked child" not in caplog.text  # the child's images were the ones stored

    without_fork()
    again = queue(answered)
    aggregation.run_aggregation(again.pk)
    again.refresh_from_db()
    for field in ("matrix_png", "matrix_svg", "matrix_png_zh", "matrix_svg_zh"):
        assert stored(again, field) == stored(run, field), field
    assert "could not fork" in caplog.text


def test_the_matrix_is_stored_once_per_language(answered):
    assert aggregation.matrix_labels("en")["x"] == "Financial materiality"
    assert aggregation.matrix_labels("zh-hans")["x"] == "财务重要性"
    run = queue(answered)
    aggregation.run_aggregation(run.pk)
    run.refresh_from_db()
    assert run.matrix_png[:8] == run.matrix_png_zh[:8] == b"\x89PNG\r\n\x1a\n"
    english, chinese = run.matrix_svg, run.matrix_svg_zh
    assert "Financial materiality" in english and "Product quality and safety" in english and "财务" not in english
    assert "财务重要性" in chinese and "产品质量与安全" in chinese and "Financial materiality" not in chinese
    assert run.matrix_image("png", "zh-hans") == bytes(run.matrix_png_zh)
    assert run.matrix_image("svg", "en") == english.encode()
