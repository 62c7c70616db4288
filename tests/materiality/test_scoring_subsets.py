"""dma-1 with per-group topic subsets (issue 14.6): a group counts for a topic only if it was asked that topic."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from materiality import aggregation, scoring
from materiality.models import GroupScore, ScoreRun
from materiality.scoring import ScoringParams
from stakeholders.models import StakeholderGroup
from surveys.models import Questionnaire
from tests.conftest import client_for
from tests.materiality.test_scoring_properties import COLUMNS, GROUPS, TOPICS, assert_same, cases, run
from tests.scoring_helpers import import_synthetic, make_questionnaires


def ratings(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS).astype({c: "float64" for c in COLUMNS[2:]})


def test_golden_a_group_not_asked_a_topic_does_not_count_for_it():
    """Hand-computed: customers (weight 2) rate T1 and T2; suppliers (weight 1) are asked T2 only.

    T1: only customers were asked: I = sqrt(4*4) = 4, n = 1 (the suppliers' stray T1 rating counts nowhere).
    T2: customers 2, suppliers sqrt(5*5) = 5: I = (2*2 + 1*5) / 3 = 3, n = 2.
    T3: nobody asked answered it: no score, not a "don't know" of anybody.
    """
    frame = ratings([
        ("customers", "T1", 4, 4, None, None), ("customers", "T2", 2, 2, None, None),
        ("suppliers", "T1", 1, 1, None, None),  # not asked: must not pull T1 down
        ("suppliers", "T2", 5, 5, None, None),
    ])
    params = ScoringParams(weights={"customers": 2.0, "suppliers": 1.0}, asked={"suppliers": ("T2",)})
    result = scoring.score(scoring.stats_from_ratings(frame), params, topics=["T1", "T2", "T3"])
    assert result.at["T1", "impact"] == 4.0 and result.at["T1", "n_impact"] == 1
    assert math.isclose(result.at["T2", "impact"], 3.0) and result.at["T2", "n_impact"] == 2
    assert math.isnan(result.at["T3", "impact"]) and result.at["T3", "n_impact"] == 0
    # ranked by combined: T1 (4, no financial score, so important, not major), T2 (3), T3 (unscored)
    assert list(result.index) == ["T1", "T2", "T3"]
    assert list(result["classification"]) == ["important", "important", "general"]


def test_the_checksum_covers_the_subsets_and_is_unchanged_without_them():
    stats = scoring.stats_from_ratings(ratings([("customers", "T1", 4, 4, None, None)]))
    plain = scoring.input_checksum(stats)
    assert scoring.input_checksum(stats, asked={}) == plain  # runs made before subsets verify as before
    with_subset = scoring.input_checksum(stats, asked={"suppliers": ("T2",)})
    assert with_subset != plain
    assert with_subset == scoring.input_checksum(stats, asked={"suppliers": ["T2"]})
    assert with_subset != scoring.input_checksum(stats, asked={"suppliers": ("T1", "T2")})


def test_the_parameters_keep_the_subsets_and_old_parameters_read_as_before():
    params = ScoringParams(weights={"A": 1.0}, asked={"B": ("T2", "T1")})
    assert params.to_json()["asked"] == {"B": ["T1", "T2"]}
    assert ScoringParams.from_json(params.to_json()).asked == {"B": ("T1", "T2")}
    assert "asked" not in ScoringParams(weights={"A": 1.0}).to_json()
    assert ScoringParams.from_json({"weights": {"A": 1}}).asked == {}


@st.composite
def subsets(draw: st.DrawFn) -> dict[str, tuple[str, ...]]:
    """Some groups asked a non-empty subset of the topics."""
    chosen = draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=len(GROUPS)))
    return {g: tuple(sorted(draw(st.sets(st.sampled_from(TOPICS), min_size=1)))) for g in chosen}


def unasked(frame: pd.DataFrame, asked: dict[str, tuple[str, ...]]) -> pd.Series:
    return ~scoring.asked_mask(frame["group"], frame["topic"], asked)


@settings(max_examples=60, deadline=None)
@given(cases(), subsets(), st.data())
def test_answers_to_topics_not_asked_change_no_score(case, asked, data):
    """Adding (or removing) ratings of topics a group was not asked changes nothing: they are not answers."""
    frame, params = case
    params = ScoringParams(**{**params.__dict__, "asked": asked})
    asked_rows = frame[~unasked(frame, asked)].reset_index(drop=True)
    extra = data.draw(st.lists(st.tuples(st.sampled_from(GROUPS), st.sampled_from(TOPICS), st.integers(1, 3)),
                               max_size=20))
    stray = ratings([(g, t, v, v, v, v) for g, t, v in extra])
    stray = stray[unasked(stray, asked)]
    assert_same(run(asked_rows, params), run(pd.concat([asked_rows, stray], ignore_index=True), params))
    assert_same(run(asked_rows, params), run(frame, params))


@settings(max_examples=40, deadline=None)
@given(cases())
def test_a_subset_covering_what_a_group_answered_changes_no_score(case):
    """Limiting each group to the topics it rated is the same as asking it everything (the others gave nothing)."""
    frame, params = case
    asked = {g: tuple(sorted(set(frame.loc[frame["group"] == g, "topic"]))) for g in set(frame["group"])}
    assert_same(run(frame, params), run(frame, ScoringParams(**{**params.__dict__, "asked": asked})))


# --- the scoring job and the results page ----------------------------------------------------------------------------

@pytest.fixture
def answered(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=5, seed=3)
    return assessment


def run_now(assessment) -> ScoreRun:
    run = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    aggregation.run_aggregation(run.pk, draw=False)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.SUCCEEDED, run.error
    return run


def test_the_job_counts_a_group_only_for_its_topics_and_the_page_says_not_asked(answered, committee_user):
    before = run_now(answered)
    suppliers = StakeholderGroup.objects.get(code="suppliers")
    topics = list(answered.library.topics.order_by("code"))
    kept = topics[:4]
    questionnaire = Questionnaire.objects.get(assessment=answered, groups=suppliers)
    # Set directly, as if the answers had come first: the job must still leave the other topics' answers out.
    questionnaire.topic_subsets = {str(suppliers.pk): [t.pk for t in kept]}
    questionnaire.save()
    after = run_now(answered)
    assert after.params["asked"] == {"suppliers": sorted(t.code for t in kept)}
    assert after.input_checksum != before.input_checksum
    suppliers_scores = GroupScore.objects.filter(run=after, group=suppliers)
    assert sorted(suppliers_scores.values_list("topic__code", flat=True)) == sorted(t.code for t in kept)
    dropped = topics[-1]
    n_before = before.topic_scores.get(topic=dropped).n_impact
    n_after = after.topic_scores.get(topic=dropped).n_impact
    assert n_after == n_before - GroupScore.objects.get(run=before, group=suppliers, topic=dropped).n_impact
    assert after.topic_scores.get(topic=kept[0]).n_impact == before.topic_scores.get(topic=kept[0]).n_impact
    html = client_for(committee_user).get(reverse("materiality:results", kwargs={"slug": answered.slug})).content
    assert html.decode().count("not asked") == len(topics) - len(kept)
