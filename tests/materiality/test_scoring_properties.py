"""Invariants of method dma-1 that must hold for any input (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from materiality import scoring
from materiality.scoring import ScoringParams

GROUPS = ["A", "B", "C"]
TOPICS = ["T1", "T2", "T3"]
COLUMNS = ["group", "topic", "severity", "likelihood", "magnitude", "financial_likelihood"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, ScoringParams]:
    scale = draw(st.integers(3, 10))
    value = st.one_of(st.none(), st.integers(1, scale))
    rows = draw(st.lists(st.tuples(st.sampled_from(GROUPS), st.sampled_from(TOPICS), value, value, value, value),
                         min_size=1, max_size=40))
    weights = draw(st.fixed_dictionaries({g: st.floats(0.1, 5.0) for g in GROUPS}))
    major = draw(st.floats(1.0, float(scale)))
    important = draw(st.floats(1.0, major))
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({c: "float64" for c in COLUMNS[2:]})
    return frame, ScoringParams(scale=scale, weights=weights, major=major, important=important, internal_groups=("A",))


def run(frame: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    return scoring.score(scoring.stats_from_ratings(frame), params, topics=TOPICS).sort_index()


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    numeric = ["impact", "financial", "combined", "impact_low", "impact_high", "financial_low", "financial_high"]
    pd.testing.assert_frame_equal(a[numeric], b[numeric], rtol=1e-12, atol=1e-12)
    assert a[["n_impact", "n_financial"]].equals(b[["n_impact", "n_financial"]])
    # Classes may only differ if a score sits within rounding of a threshold, which the tolerance absorbs.
    assert a["classification"].tolist() == b["classification"].tolist()


@settings(max_examples=60, deadline=None)
@given(cases())
def test_scores_stay_on_the_scale(case):
    frame, params = case
    result = run(frame, params)
    for column in ("impact", "financial", "combined"):
        values = result[column].dropna()
        assert ((values >= 1.0) & (values <= params.scale)).all()
    assert set(result["classification"]) <= set(scoring.CLASSES)


@settings(max_examples=40, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_permuting_respondents_changes_nothing(case, rnd):
    frame, params = case
    order = list(range(len(frame)))
    rnd.shuffle(order)
    assert_same(run(frame, params), run(frame.iloc[order].reset_index(drop=True), params))


@settings(max_examples=40, deadline=None)
@given(cases(), st.sampled_from([0.5, 2.0, 4.0, 10.0]))
def test_scaling_all_weights_changes_nothing(case, factor):
    # Powers of two and small factors keep the sums exact enough; the tolerance does the rest.
    frame, params = case
    scaled = ScoringParams(**{**params.__dict__, "weights": {g: w * factor for g, w in params.weights.items()}})
    assert_same(run(frame, params), run(frame, scaled))


@settings(max_examples=40, deadline=None)
@given(cases())
def test_a_group_without_answers_does_not_count(case):
    frame, params = case
    with_silent_group = ScoringParams(**{**params.__dict__, "weights": {**params.weights, "SILENT": 100.0}})
    pd.testing.assert_frame_equal(run(frame, params), run(frame, with_silent_group))


@settings(max_examples=40, deadline=None)
@given(cases(), st.sampled_from(GROUPS), st.sampled_from(TOPICS))
def test_dont_know_never_counts_as_a_number(case, group, topic):
    frame, params = case
    blank = pd.DataFrame([[group, topic, np.nan, np.nan, np.nan, np.nan]] * 3, columns=COLUMNS)
    # Likelihoods without a severity/magnitude are not values either.
    half = pd.DataFrame([[group, topic, np.nan, 5.0, np.nan, 2.0]], columns=COLUMNS)
    assert_same(run(frame, params), run(pd.concat([frame, blank, half], ignore_index=True), params))
    # A group that answered only "don't know" counts for nothing: same as if it had not answered at all.
    only_known = frame.dropna(subset=["severity"])
    a = run(frame, params)
    b = run(pd.concat([only_known, frame[frame["severity"].isna()]]), params)
    assert_same(a, b)
