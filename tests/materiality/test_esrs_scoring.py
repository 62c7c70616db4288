"""Method esrs-1 on hand-computed cases (DESIGN.md 3b)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from materiality import esrs_scoring
from materiality.esrs_scoring import EsrsParams
from tests.materiality.esrs_cases import iros, ratings, run

REGISTER = iros(
    ("E1-I1", "E1", "impact", "negative", "actual", False),
    ("E1-I2", "E1", "impact", "negative", "potential", False),
    ("E1-I3", "E1", "impact", "negative", "potential", True),
    ("E1-R1", "E1", "risk", "", "", None),
    ("S1-I1", "S1", "impact", "positive", "potential", False),
    ("S1-O1", "S1", "opportunity", "", "", None),
)


def test_negative_actual_impact_is_its_severity_under_each_rule() -> None:
    table = ratings(("E1-I1", "a", 5, 3, 1, None, None), ("E1-I1", "b", 4, 4, 4, None, None))
    for rule, expected in (("mean_max", ((3 + 5) / 2 + 4) / 2), ("mean", (3 + 4) / 2), ("max", (5 + 4) / 2)):
        scored, _ = run(REGISTER, table, ["E1"], EsrsParams(severity_rule=rule))
        assert scored.at["E1-I1", "score"] == pytest.approx(expected, abs=1e-12)
        assert scored.at["E1-I1", "n"] == 2


def test_potential_impact_takes_the_root_of_severity_times_likelihood() -> None:
    table = ratings(("E1-I2", "a", 4, 2, 3, 2, None))  # mean 3, max 4 -> mean_max 3.5
    scored, _ = run(REGISTER, table, ["E1"])
    assert scored.at["E1-I2", "score"] == pytest.approx(math.sqrt(3.5 * 2), abs=1e-12)
    assert math.isnan(scored.at["E1-I2", "low"])  # no interval for a single rater


def test_human_rights_impact_ignores_likelihood() -> None:
    table = ratings(("E1-I3", "a", 4, 2, 3, 1, None))
    scored, _ = run(REGISTER, table, ["E1"])
    assert scored.at["E1-I3", "score"] == pytest.approx(3.5, abs=1e-12)


def test_positive_impact_has_no_irremediability() -> None:
    table = ratings(("S1-I1", "a", 4, 2, None, 4, None))  # mean 3, max 4 -> 3.5; sqrt(3.5 * 4)
    scored, _ = run(REGISTER, table, ["S1"])
    assert scored.at["S1-I1", "score"] == pytest.approx(math.sqrt(14), abs=1e-12)


def test_risk_score_mean_and_interval() -> None:
    table = ratings(("E1-R1", "a", None, None, None, 4, 4), ("E1-R1", "b", None, None, None, 1, 4),
                    ("E1-R1", "c", None, None, None, 2, None))  # c left magnitude empty: don't know
    scored, _ = run(REGISTER, table, ["E1"])
    values = [4.0, 2.0]
    sd = math.sqrt(sum((v - 3.0) ** 2 for v in values))
    assert scored.at["E1-R1", "score"] == pytest.approx(3.0)
    assert (scored.at["E1-R1", "n"], scored.at["E1-R1", "n_dont_know"]) == (2, 1)
    assert scored.at["E1-R1", "low"] == pytest.approx(3.0 - 1.96 * sd / math.sqrt(2))
    assert scored.at["E1-R1", "high"] == pytest.approx(3.0 + 1.96 * sd / math.sqrt(2))
    assert bool(scored.at["E1-R1", "material"])  # 3.0 reaches important


def test_topic_takes_its_best_iro_per_dimension_and_ranks() -> None:
    table = ratings(
        ("E1-I1", "a", 2, 2, 2, None, None),               # 2
        ("E1-I2", "a", 5, 5, 5, 4, None),                   # sqrt(20) = 4.47
        ("E1-R1", "a", None, None, None, 4, 4),             # 4
        ("S1-O1", "a", None, None, None, 2, 2),             # 2
    )
    scored, topics = run(REGISTER, table, ["E1", "S1", "G1"])
    assert topics.at["E1", "impact"] == pytest.approx(math.sqrt(20))
    assert topics.at["E1", "impact_iro"] == "E1-I2"
    assert topics.at["E1", "financial"] == pytest.approx(4.0)
    assert topics.at["E1", "classification"] == "major"
    assert topics.at["S1", "classification"] == "general"
    assert math.isnan(topics.at["S1", "impact"]) and topics.at["S1", "n_financial"] == 1
    assert topics.at["G1", "n_impact"] == 0 and math.isnan(topics.at["G1", "combined"])  # unscored
    assert list(topics.index) == ["E1", "S1", "G1"]
    assert list(scored.index[:3]) == ["E1-I2", "E1-R1", "E1-I1"]  # 4.47, 4, then 2 before S1-O1 2 (code order)
    assert scored.at["S1-O1", "rank"] == 4


def test_score_just_below_threshold_reaches_it() -> None:
    table = ratings(("E1-R1", "a", None, None, None, 3, 3))
    scored, _ = run(REGISTER, table, ["E1"], EsrsParams(important=3.0 + 5e-10))
    assert bool(scored.at["E1-R1", "material"])


def test_iro_positions_put_each_iro_on_its_topic_lines():
    scored = pd.DataFrame({"topic": ["T1", "T1", "T1", "T2"], "kind": ["impact", "risk", "opportunity", "impact"],
                           "score": [3.5, 2.0, 4.2, 3.0], "material": [True, False, True, False]},
                          index=pd.Index(["I1", "R1", "O1", "I2"], name="iro"))
    topics = pd.DataFrame({"impact": [3.5, 3.0], "financial": [4.2, float("nan")]},
                          index=pd.Index(["T1", "T2"], name="topic"))
    placed = esrs_scoring.iro_positions(scored, topics)
    assert list(placed.index) == ["I1", "R1", "O1"]  # T2 has no financial score, so neither it nor I2 is drawn
    assert placed.loc["I1", ["financial", "impact"]].tolist() == [4.2, 3.5]  # on the topic's point
    assert placed.loc["R1", ["financial", "impact"]].tolist() == [2.0, 3.5]  # left of it, at the topic's impact
    assert placed.loc["O1", ["topic_financial", "topic_impact"]].tolist() == [4.2, 3.5]
