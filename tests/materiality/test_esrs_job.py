"""The scoring job for method esrs-1: one aggregate query, results equal to the pure method, run record, failure."""

from __future__ import annotations

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from materiality import aggregation, esrs_aggregation, esrs_scoring, services
from materiality.models import Assessment, AssessmentFrozen, IroRating, IroScore, ScoreRun
from tests.materiality.conftest import score
from tests.materiality.esrs_factory import esrs_assessment, make_register, rate, ratings_frame


@pytest.mark.parametrize("rule", esrs_scoring.RULES)
def test_the_job_stores_what_the_pure_method_computes_from_every_rating(assessment, rule):
    esrs_assessment(assessment, rule)
    rate(make_register(assessment))
    run = score(assessment)
    assert run.status == ScoreRun.Status.SUCCEEDED, run.error
    assert run.method == "esrs-1" and run.params["severity_rule"] == rule and run.respondents == 5

    register, ratings = ratings_frame(assessment)
    codes = list(assessment.library.topics.values_list("code", flat=True))
    expected, topics = esrs_scoring.score(esrs_scoring.stats_from_ratings(ratings, register), register,
                                          esrs_scoring.EsrsParams.from_json(run.params), codes)
    stored = pd.DataFrame(list(IroScore.objects.filter(run=run).values_list(
        "iro__code", "score", "n", "n_dont_know", "low", "high", "material", "rank")),
        columns=["iro", "score", "n", "n_dont_know", "low", "high", "material", "rank"]).set_index("iro")
    stored = stored.reindex(expected.index)
    for column in ("score", "low", "high"):
        pd.testing.assert_series_equal(stored[column].astype("float64"), expected[column].astype("float64"),
                                       rtol=1e-12, atol=1e-12, check_names=False)
    assert stored["rank"].tolist() == expected["rank"].tolist()
    assert stored["material"].tolist() == expected["material"].tolist()
    classes = dict(run.topic_scores.values_list("topic__code", "classification"))
    assert classes == topics["classification"].to_dict()


def test_statistics_come_from_one_query_and_match_the_ratings(assessment):
    esrs_assessment(assessment)
    rate(make_register(assessment, topics=3))
    with CaptureQueriesContext(connection) as queries:
        stats = esrs_aggregation.rating_statistics(assessment.pk)
    assert len([q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]) == 1
    register, ratings = ratings_frame(assessment)
    expected = esrs_scoring.stats_from_ratings(ratings, register).set_index("iro").sort_index()
    got = stats.set_index("iro").sort_index()
    pd.testing.assert_frame_equal(got.astype("float64"), expected.astype("float64"), rtol=1e-12, atol=1e-12)


def test_the_checksum_reproduces_and_changes_with_a_rating(assessment):
    esrs_assessment(assessment)
    iros = make_register(assessment, topics=2)
    rate(iros)
    first, second = score(assessment), score(assessment)
    assert first.input_checksum == second.input_checksum and len(first.input_checksum) == 64
    IroRating.objects.filter(iro=iros[0], rater="rater-000").update(scale=1, scope=1, irremediability=1,
                                                                    magnitude=None, likelihood=1)
    assert score(assessment).input_checksum != first.input_checksum


def test_without_ratings_there_is_nothing_to_score(assessment):
    esrs_assessment(assessment)
    make_register(assessment, topics=1)
    with pytest.raises(services.NothingToScore, match="IRO ratings"):
        services.start_aggregation(assessment)
    assert not ScoreRun.objects.exists()


def test_a_failing_run_is_marked_failed_with_its_reason_and_stores_nothing(assessment, monkeypatch):
    esrs_assessment(assessment)
    rate(make_register(assessment, topics=2))

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(esrs_scoring, "sensitivity", broken)
    run = services.start_aggregation(assessment)
    with pytest.raises(ValueError):
        aggregation.run_aggregation(run.pk, draw=False)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.FAILED and "boom" in run.error
    assert not IroScore.objects.filter(run=run).exists() and not run.topic_scores.exists()


def test_a_confirmed_assessment_refuses_a_new_run_and_its_scores_are_frozen(assessment):
    esrs_assessment(assessment)
    rate(make_register(assessment, topics=2))
    run = score(assessment)
    # Confirmed as the confirmation records it (its committee checks are tested with the committee).
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    assessment.refresh_from_db()
    with pytest.raises(AssessmentFrozen):
        services.start_aggregation(assessment)
    stored = IroScore.objects.filter(run=run).first()
    stored.score = 1.0
    with pytest.raises(AssessmentFrozen):
        stored.save()


def test_changing_the_severity_rule_marks_the_run_outdated(assessment):
    esrs_assessment(assessment)
    rate(make_register(assessment, topics=2))
    run = score(assessment)
    assert not any(services.run_outdated(run).values())
    assessment.severity_rule = "max"
    assessment.save(update_fields=["severity_rule"])
    assert services.run_outdated(ScoreRun.objects.get(pk=run.pk))["settings_changed"]
