"""Golden cases for method dma-1, computed by hand (DESIGN.md section 3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from materiality import scoring
from materiality.scoring import ScoringParams

NAN = np.nan


def ratings(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["group", "topic", "severity", "likelihood", "magnitude", "financial_likelihood"])


@pytest.fixture
def golden() -> pd.DataFrame:
    # A (weight 1): T1 impact values sqrt(4x4)=4 and severity-only 2 -> mean 3, s2 = 2.
    # B (weight 3): T1 impact 5, financial sqrt(4x1)=2; T2 severity "don't know" (likelihood alone counts nothing).
    return ratings([
        ("A", "T1", 4, 4, NAN, NAN),
        ("A", "T1", 2, NAN, NAN, NAN),
        ("B", "T1", 5, 5, 4, 1),
        ("A", "T2", 3, 3, NAN, NAN),
        ("B", "T2", NAN, 5, NAN, NAN),
    ])


PARAMS = ScoringParams(scale=5, weights={"A": 1.0, "B": 3.0})


def test_group_statistics_are_counts_sums_and_squares(golden):
    stats = scoring.stats_from_ratings(golden).set_index(["group", "topic", "dimension"])
    assert stats.loc[("A", "T1", "impact")].tolist() == [2, 6.0, 20.0]
    assert stats.loc[("B", "T1", "financial")].tolist() == [1, 2.0, 4.0]
    assert ("B", "T2", "impact") not in stats.index  # don't know is not a number


def test_golden_scores(golden):
    result = scoring.score(scoring.stats_from_ratings(golden), PARAMS, topics=["T1", "T2", "T3"])
    t1 = result.loc["T1"]
    assert t1["impact"] == pytest.approx(4.5)          # (1x3 + 3x5) / 4
    assert t1["financial"] == pytest.approx(2.0)       # B alone: weights re-normalised
    assert t1["combined"] == pytest.approx(3.25)
    assert (t1["n_impact"], t1["n_financial"]) == (3, 1)
    assert t1["impact_low"] == pytest.approx(4.5 - 1.96 * 0.25)  # SE2 = (1/4)^2 x 2/2; B's single answer adds nothing
    assert t1["impact_high"] == pytest.approx(4.5 + 1.96 * 0.25)
    assert t1["financial_low"] == t1["financial_high"] == pytest.approx(2.0)
    assert t1["classification"] == "important" and not t1["is_borderline"]
    t2 = result.loc["T2"]
    assert (t2["impact"], t2["n_impact"], t2["n_financial"]) == (3.0, 1, 0)
    assert math.isnan(t2["financial"]) and t2["combined"] == 3.0
    assert t2["classification"] == "important"
    t3 = result.loc["T3"]
    assert math.isnan(t3["impact"]) and math.isnan(t3["combined"]) and t3["classification"] == "general"
    assert list(result.index) == ["T1", "T2", "T3"] and list(result["rank"]) == [1, 2, 3]


def test_rank_ties_go_to_the_lower_code():
    stats = scoring.stats_from_ratings(ratings([("A", "Z9", 3, 3, NAN, NAN), ("A", "B2", 3, 3, NAN, NAN),
                                                ("A", "C1", 4, 4, NAN, NAN)]))
    result = scoring.score(stats, ScoringParams(weights={"A": 1.0}))
    assert list(result.index) == ["C1", "B2", "Z9"]


@pytest.mark.parametrize("impact,financial,expected", [
    (4.0, 4.0, "major"),
    (4.0 - 5e-10, 4.0 - 5e-10, "major"),        # within the 1e-9 tolerance: reaches the threshold
    (4.0 - 2e-9, 4.0, "important"),              # beyond it: does not
    (5.0, NAN, "important"),                     # major needs both dimensions
    (3.0 - 5e-10, 1.0, "important"),
    (2.9999, 2.9999, "general"),
    (NAN, NAN, "general"),
])
def test_threshold_rule_with_tolerance(impact, financial, expected):
    got = scoring.classify(pd.Series([impact]), pd.Series([financial]), 4.0, 3.0, 1e-9)
    assert got.iloc[0] == expected


def test_borderline_when_an_interval_crosses_a_deciding_threshold():
    # Group A: values 3 and 5 -> mean 4, s2 = 2, SE = 1 -> impact interval [2.04, 5.96] crosses 3 and 4.
    stats = scoring.stats_from_ratings(ratings([("A", "T1", 3, 3, 5, 5), ("A", "T1", 5, 5, 5, 5)]))
    result = scoring.score(stats, ScoringParams(weights={"A": 1.0}))
    assert result.loc["T1", "classification"] == "major"
    assert result.loc["T1", "impact_low"] == pytest.approx(4 - 1.96)
    assert bool(result.loc["T1", "is_borderline"])


def test_borderline_when_any_interval_crosses_a_threshold_even_if_the_class_would_stay():
    # Impact: values 3 and 5 -> interval [2.04, 5.96] crosses 3 and 4; financial is 1 throughout, so the class is
    # important at either end of the impact interval, but the interval still crosses a threshold (DESIGN.md §3).
    stats = scoring.stats_from_ratings(ratings([("A", "T1", 3, 3, 1, 1), ("A", "T1", 5, 5, 1, 1),
                                                ("A", "T2", 4, 4, 1, 1), ("A", "T2", 4, 4, 1, 1)]))
    result = scoring.score(stats, ScoringParams(weights={"A": 1.0}))
    assert result.loc["T1", "classification"] == "important" and bool(result.loc["T1", "is_borderline"])
    assert not bool(result.loc["T2", "is_borderline"])  # no spread: a zero-width interval crosses nothing


def test_group_with_weight_zero_or_outside_the_assessment_does_not_count(golden):
    result = scoring.score(scoring.stats_from_ratings(golden), ScoringParams(weights={"A": 1.0, "B": 0.0}))
    assert result.loc["T1", "impact"] == pytest.approx(3.0)
    assert math.isnan(result.loc["T1", "financial"])  # only B answered it, with weight 0
    only_a = scoring.score(scoring.stats_from_ratings(golden), ScoringParams(weights={"A": 1.0}))
    assert only_a.loc["T1", "n_impact"] == 2


def test_influence_period_is_the_most_frequent_horizon_ties_to_shorter():
    counts = pd.DataFrame({"short": [1, 0, 2, 0], "medium": [3, 2, 2, 0], "long": [0, 2, 1, 0]},
                          index=["T1", "T2", "T3", "T4"])
    assert scoring.influence_period(counts).tolist() == ["medium", "medium", "short", ""]


def test_sensitivity_names_the_topics_that_change_class():
    # T1: internal group I rates 5/5, external X rates 2 -> weights 3:1 make it major; equal weights do not.
    stats = scoring.stats_from_ratings(ratings([
        ("I", "T1", 5, 5, 5, 5), ("X", "T1", 2, 2, NAN, NAN), ("I", "T2", 3, 3, 3, 3),
    ]))
    params = ScoringParams(weights={"I": 3.0, "X": 1.0}, internal_groups=("I",))
    base = scoring.score(stats, params, ["T1", "T2", "T3"])  # T3: no answers at all, never listed
    assert base.loc["T1", "classification"] == "major"  # I = (15 + 2) / 4 = 4.25, F = 5
    changes = scoring.sensitivity(stats, params, base)
    assert changes["equal_weights"] == [("T1", "major", "important")]  # I = 3.5
    assert changes["internal_only"] == []
    # Only I rated T2: external respondents alone leave it unscored ("" = no answers), not general.
    assert changes["external_only"] == [("T1", "major", "general"), ("T2", "important", "")]
    assert changes["major_plus"] == []  # I = 4.25 still reaches a major threshold of 4.25
    assert changes["important_plus"] == [("T2", "important", "general")]
    assert changes["major_minus"] == [] and changes["important_minus"] == []


def test_movement_follows_lineage_and_marks_new_topics():
    current = pd.DataFrame({"combined": [4.0, 3.0, 2.0]}, index=["E01", "E03", "G07"])
    previous = pd.DataFrame({"impact": [3.0, 2.0, 4.0], "financial": [3.0, 2.0, 4.0], "combined": [3.0, 2.0, 4.0],
                             "classification": ["important", "general", "major"]}, index=["E01", "X1", "X2"])
    moved = scoring.movement(current, previous, {"E01": ["E01"], "G07": ["X1", "X2"]})
    assert moved.loc["E01", "previous_combined"] == 3.0 and not moved.loc["E01", "is_new"]
    assert moved.loc["E03", "is_new"] and moved.loc["E03", "previous_topics"] == ""
    assert moved.loc["G07", "previous_combined"] == 3.0 and moved.loc["G07", "previous_classification"] == "major"
    assert moved.loc["G07", "previous_topics"] == "X1;X2"


def test_params_round_trip_through_json():
    params = ScoringParams(scale=7, weights={"b": 2.0, "a": 1.5}, major=5.0, important=4.0, internal_groups=("b",))
    assert ScoringParams.from_json(params.to_json()) == params


def test_checksum_depends_on_the_input_only():
    a = scoring.stats_from_ratings(ratings([("A", "T1", 3, 4, NAN, NAN), ("A", "T2", 2, 2, 1, NAN)]))
    assert scoring.input_checksum(a) == scoring.input_checksum(a.iloc[::-1])
    b = a.copy()
    b.loc[0, "n"] += 1
    assert scoring.input_checksum(a) != scoring.input_checksum(b)
