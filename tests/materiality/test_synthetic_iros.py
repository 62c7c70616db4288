"""The demo's synthetic IRO ratings fill exactly the criteria each kind needs, within the scale (DESIGN 3b)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from materiality import synthetic_iros

REGISTER = Path(__file__).resolve().parents[2] / "materiality" / "demo_data" / "calb-2024-iros.csv"
CRITERIA = ["scale", "scope", "irremediability", "likelihood", "magnitude"]


def demo_specs() -> list[synthetic_iros.IroSpec]:
    return synthetic_iros.specs_from_register(list(csv.DictReader(REGISTER.open(encoding="utf-8"))))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), scale=st.integers(3, 10))
def test_ratings_use_only_the_criteria_of_the_kind_within_the_scale(seed, scale):
    specs = {s.code: s for s in demo_specs()}
    frame = synthetic_iros.ratings(list(specs.values()), ["m-1", "m-2"], seed=seed, scale=scale)
    for record in frame.to_dict("records"):
        needed = synthetic_iros.criteria(specs[record["iro"]])
        for criterion in CRITERIA:
            value = record[criterion]
            if criterion not in needed:
                assert pd.isna(value), (record, criterion)
            elif not pd.isna(value):
                assert 1 <= int(value) <= scale


def test_the_csv_has_the_design_columns_and_one_row_per_rater_and_iro():
    specs = demo_specs()
    data = synthetic_iros.to_csv_bytes(synthetic_iros.ratings(specs, ["a", "b", "c"], seed=1))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0]) == synthetic_iros.RATING_COLUMNS
    assert len(rows) == 3 * len(specs) == 3 * 70
    assert len({(r["rater"], r["iro"]) for r in rows}) == len(rows)


def test_same_seed_same_ratings():
    specs = demo_specs()
    assert synthetic_iros.ratings(specs, ["a"], seed=7).equals(synthetic_iros.ratings(specs, ["a"], seed=7))
