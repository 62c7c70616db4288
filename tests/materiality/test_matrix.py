"""The matrix figure: renders to PNG and SVG, and labels every topic without overlaps for 24 and 60 topics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from materiality import matrix


def scores(count: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [f"{'ESG'[i % 3]}{i:02d}" for i in range(count)]
    impact = rng.normal(3.5, 0.4, count).clip(1, 5)
    financial = rng.normal(3.3, 0.4, count).clip(1, 5)
    return pd.DataFrame({
        "pillar": [c[0] for c in codes], "impact": impact, "financial": financial,
        "impact_low": impact - 0.2, "impact_high": impact + 0.2,
        "financial_low": financial - 0.3, "financial_high": financial + 0.3,
    }, index=codes)


@pytest.mark.parametrize("count", [24, 60])
def test_every_topic_is_labelled_without_overlaps(count):
    fig = matrix.draw(scores(count), scale=5, major=4.0, important=3.0)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == sorted(scores(count).index)
    assert matrix.labels_overlap(fig) == []


def test_renders_png_and_svg():
    fig = matrix.draw(scores(24), scale=5, major=4.0, important=3.0)
    assert matrix.render(fig, "png").startswith(b"\x89PNG")
    svg = matrix.render(fig, "svg")
    assert b"<svg" in svg and b"S03" not in svg[:0]


def test_topics_without_both_scores_are_left_out_of_the_plot():
    frame = scores(5)
    frame.loc[frame.index[0], "financial"] = np.nan
    fig = matrix.draw(frame, scale=5, major=4.0, important=3.0)
    assert len(fig.axes[0].texts) == 4


def test_axes_show_financial_on_x_and_impact_on_y():
    fig = matrix.draw(scores(3), scale=7, major=5.0, important=4.0, labels={"x": "Fin", "y": "Imp"})
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Fin", "Imp")
    assert ax.get_xlim()[0] >= 0.9 and ax.get_xlim()[1] <= 7.1
