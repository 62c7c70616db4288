"""Invariants of method esrs-1 that must hold for any register and any ratings (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from materiality import esrs_scoring
from materiality.esrs_scoring import EsrsParams
from tests.materiality.esrs_cases import RATING_COLUMNS, run

TOPICS = ["T1", "T2", "T3"]
SHAPES = [("impact", "negative", "actual", False), ("impact", "negative", "potential", False),
          ("impact", "negative", "potential", True), ("impact", "positive", "actual", False),
          ("impact", "positive", "potential", False), ("risk", "", "", None), ("opportunity", "", "", None)]


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, EsrsParams]:
    scale = draw(st.integers(3, 10))
    count = draw(st.integers(1, 6))
    register = pd.DataFrame([(f"X{i}", draw(st.sampled_from(TOPICS)), *draw(st.sampled_from(SHAPES)))
                             for i in range(count)], columns=esrs_scoring.IRO_COLUMNS)
    value = st.one_of(st.none(), st.integers(1, scale))
    rows = []
    for iro in register.itertuples(index=False):
        needed = esrs_scoring.required_criteria(iro.kind, iro.sign, iro.status)
        for rater in range(draw(st.integers(0, 5))):
            values = {c: draw(value) if c in needed else None for c in RATING_COLUMNS[2:]}
            rows.append((iro.iro, f"r{rater}", *values.values()))
    table = pd.DataFrame(rows, columns=RATING_COLUMNS).astype({c: "float64" for c in RATING_COLUMNS[2:]})
    important = draw(st.floats(1.0, float(scale)))
    params = EsrsParams(scale=scale, important=important, major=draw(st.floats(important, float(scale))),
                        severity_rule=draw(st.sampled_from(esrs_scoring.RULES)))
    return register, table, params


@settings(max_examples=60, deadline=None)
@given(cases())
def test_scores_stay_on_the_scale(case: tuple) -> None:
    register, table, params = case
    scored, topics = run(register, table, TOPICS, params)
    values = scored["score"].dropna()
    assert ((values >= 1.0) & (values <= params.scale)).all()
    for column in ("impact", "financial", "combined"):
        values = topics[column].dropna()
        assert ((values >= 1.0) & (values <= params.scale)).all()


@settings(max_examples=40, deadline=None)
@given(cases(), st.randoms())
def test_permuting_raters_changes_nothing(case: tuple, random: object) -> None:
    register, table, params = case
    names = sorted(set(table["rater"]))
    renamed = dict(zip(names, random.sample(names, len(names)), strict=True))  # type: ignore[attr-defined]
    shuffled = table.assign(rater=table["rater"].map(renamed)).sample(frac=1.0, random_state=1)
    a, ta = run(register, table, TOPICS, params)
    b, tb = run(register, shuffled, TOPICS, params)
    columns = ["score", "low", "high", "n"]
    pd.testing.assert_frame_equal(a.sort_index()[columns], b.sort_index()[columns], rtol=1e-12, atol=1e-12)
    assert ta["classification"].tolist() == tb["classification"].tolist()


@settings(max_examples=40, deadline=None)
@given(cases(), st.data())
def test_an_empty_required_criterion_counts_as_dont_know(case: tuple, data: st.DataObject) -> None:
    register, table, params = case
    iro = register.iloc[0]
    needed = esrs_scoring.required_criteria(iro["kind"], iro["sign"], iro["status"])
    missing = data.draw(st.sampled_from(needed))
    extra = {c: (2.0 if c in needed and c != missing else np.nan) for c in RATING_COLUMNS[2:]}
    more = pd.concat([table, pd.DataFrame([{"iro": iro["iro"], "rater": "late", **extra}])], ignore_index=True)
    a, _ = run(register, table, TOPICS, params)
    b, _ = run(register, more, TOPICS, params)
    pd.testing.assert_series_equal(a["score"], b["score"])
    assert b.at[iro["iro"], "n"] == a.at[iro["iro"], "n"]
    assert b.at[iro["iro"], "n_dont_know"] == a.at[iro["iro"], "n_dont_know"] + 1


@settings(max_examples=40, deadline=None)
@given(cases())
def test_human_rights_impact_scores_as_its_severity(case: tuple) -> None:
    register, table, params = case
    flagged = register.assign(kind="impact", sign="negative", status="potential", human_rights=True)
    actual = flagged.assign(status="actual")
    table = table.assign(scale=2.0, scope=3.0, irremediability=table["irremediability"].fillna(4.0),
                         likelihood=table["likelihood"].fillna(1.0), magnitude=np.nan)
    a, _ = run(flagged, table, TOPICS, params)
    b, _ = run(actual, table, TOPICS, params)
    pd.testing.assert_series_equal(a["score"].sort_index(), b["score"].sort_index())


@settings(max_examples=40, deadline=None)
@given(cases())
def test_max_rule_over_mean_max_over_mean(case: tuple) -> None:
    register, table, params = case
    by_rule = {rule: run(register, table, TOPICS, EsrsParams(scale=params.scale, severity_rule=rule))[0]["score"]
               .sort_index() for rule in esrs_scoring.RULES}
    ok = by_rule["max"].notna()
    assert (by_rule["max"][ok] >= by_rule["mean_max"][ok] - 1e-12).all()
    assert (by_rule["mean_max"][ok] >= by_rule["mean"][ok] - 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(cases())
def test_topic_is_material_exactly_when_one_of_its_iros_is(case: tuple) -> None:
    register, table, params = case
    scored, topics = run(register, table, TOPICS, params)
    for topic in TOPICS:
        material_topic = topics.at[topic, "classification"] in ("major", "important")
        assert material_topic == bool(scored.loc[scored["topic"] == topic, "material"].any())


@settings(max_examples=60, deadline=None)
@given(cases())
def test_an_iro_sits_on_its_topic_lines_never_beyond_its_topic(case: tuple) -> None:
    """The matrix's IRO layer: each IRO on its own axis at its score, on the other at its topic's score."""
    register, table, params = case
    scored, topics = run(register, table, TOPICS, params)
    placed = esrs_scoring.iro_positions(scored, topics)
    for code, point in placed.iterrows():
        topic = topics.loc[point["topic"]]
        own, other = ("impact", "financial") if point["kind"] == "impact" else ("financial", "impact")
        assert point[own] == scored.at[code, "score"] and point[other] == topic[other]
        assert point[own] <= topic[own]  # the topic takes the highest IRO of each kind
    expected = [code for code, row in scored.iterrows() if pd.notna(row["score"])
                and pd.notna(topics.at[row["topic"], "financial"]) and pd.notna(topics.at[row["topic"], "impact"])]
    assert sorted(placed.index) == sorted(expected)  # placed exactly when its topic is in the matrix
