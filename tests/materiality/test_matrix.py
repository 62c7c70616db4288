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
    assert ax.get_xlim()[0] >= 1 - matrix.EDGE and ax.get_xlim()[1] <= 7 + matrix.EDGE


def test_points_on_the_ends_of_the_scale_are_drawn_whole():
    frame = scores(2)
    frame.loc[:, ["impact", "financial", "impact_low", "impact_high", "financial_low", "financial_high"]] = [
        [5.0, 5.0, 5.0, 5.0, 5.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]
    fig = matrix.draw(frame, scale=5, major=4.0, important=3.0)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1 and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1
    for x, y in ax.transData.transform([(5.0, 5.0), (1.0, 1.0)]):  # a marker's radius (6 px) from every edge
        assert axes_box.x0 + 6 <= x <= axes_box.x1 - 6 and axes_box.y0 + 6 <= y <= axes_box.y1 - 6


def labels_on_markers(fig) -> list[str]:
    """Return the labels whose drawn box holds the centre of any marker (own or another topic's)."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    centres = ax.transData.transform(np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())]))
    found = []
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        if any(box.x0 - 2 < x < box.x1 + 2 and box.y0 - 2 < y < box.y1 + 2 for x, y in centres):
            found.append(text.get_text())
    return found


@pytest.mark.parametrize(("count", "seed"), [(24, 1), (24, 2), (60, 1), (60, 2)])
def test_labels_keep_off_the_markers_in_a_dense_cluster(count, seed):
    fig = matrix.draw(scores(count, seed), scale=5, major=4.0, important=3.0)
    assert labels_on_markers(fig) == []
    assert matrix.labels_overlap(fig) == []


def test_bilingual_labels_use_the_cjk_font_when_installed(monkeypatch, recwarn):
    labels = {"x": "Financial materiality 财务重要性", "E": "Environmental 环境"}
    fig = matrix.draw(scores(6), scale=5, major=4.0, important=3.0, labels=labels)
    ax = fig.axes[0]
    assert ax.get_xlabel() == labels["x"]
    assert ax.xaxis.label.get_fontfamily()[-1] == "DejaVu Sans"
    assert "Environmental 环境" in [t.get_text() for t in ax.get_legend().get_texts()]
    matrix.render(fig, "png")
    if matrix.label_fonts()[0] == matrix.CJK_FONT:  # Debian's fonts-noto-cjk: no glyph goes missing
        assert not [w for w in recwarn if "missing from font" in str(w.message)]
    monkeypatch.setattr(matrix.font_manager, "findfont", lambda *a, **k: (_ for _ in ()).throw(ValueError()))
    monkeypatch.setattr(matrix, "CJK_FILES", ())
    assert matrix.label_fonts() == ["DejaVu Sans"]
