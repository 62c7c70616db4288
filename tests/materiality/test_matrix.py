"""The matrix figure: every topic labelled without overlaps, pillars by shape, a legend naming every code, 200 dpi."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from materiality import matrix

CHINESE = {"x": "财务重要性", "y": "影响重要性", "E": "环境", "S": "社会", "G": "治理", "topics": "议题",
           "description": "双重重要性矩阵"}


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


def named(count: int, language: str = "en", seed: int = 1) -> pd.DataFrame:
    frame = scores(count, seed)
    if language == "zh":
        names = [f"生态系统与生物多样性保护{i}" if i % 4 == 0 else f"员工关怀{i}" for i in range(count)]
    else:
        names = [f"Ecosystem and biodiversity protection number {i}" if i % 4 == 0 else f"Employee care {i}"
                 for i in range(count)]
    return frame.assign(name=names)


@pytest.mark.parametrize("count", [24, 60])
def test_every_topic_is_labelled_without_overlaps(count):
    fig = matrix.draw(scores(count), scale=5, major=4.0, important=3.0)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == sorted(scores(count).index)
    assert matrix.labels_overlap(fig) == []


def test_renders_png_and_svg():
    fig = matrix.draw(scores(24), scale=5, major=4.0, important=3.0)
    assert matrix.render(fig, "png").startswith(b"\x89PNG")
    assert b"<svg" in matrix.render(fig, "svg")


def test_topics_without_both_scores_are_left_out_of_the_plot():
    frame = named(5)
    frame.loc[frame.index[0], "financial"] = np.nan
    fig = matrix.draw(frame, scale=5, major=4.0, important=3.0)
    assert len(fig.axes[0].texts) == 4
    assert frame.index[0] in legend_words(fig)  # the legend still names it


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


def test_pillars_differ_by_marker_shape_as_well_as_colour():
    frame = scores(6).assign(pillar=["E", "S", "G", "E", "S", "X"])  # X: a pillar the matrix does not know
    fig = matrix.draw(frame, scale=5, major=4.0, important=3.0)
    (points,) = fig.axes[0].collections[-1:]
    paths = [p.vertices.tobytes() for p in points.get_paths()]
    colours = [tuple(c) for c in points.get_facecolors()]
    assert paths[0] == paths[3] and paths[1] == paths[4] and colours[0] == colours[3]
    assert len({paths[0], paths[1], paths[2], paths[5]}) == 4  # circle, square, triangle, diamond
    assert len({colours[0], colours[1], colours[2]}) == 3
    key = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    assert {"Environmental", "Social", "Governance", "Major", "Important", "General", "Major threshold"} <= key


def legend_words(fig) -> str:
    return " ".join(t.get_text() for t in fig.axes[1].texts)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("count", [24, 60])
def test_the_legend_names_every_code_within_the_figure(count, language):
    frame = named(count, language)
    fig = matrix.draw(frame, scale=5, major=4.0, important=3.0, labels=CHINESE if language == "zh" else None)
    words = [t.get_text() for t in fig.axes[1].texts]
    for code, name in frame["name"].items():
        assert code in words
        start = words.index(code) + 1  # the name follows its code, wrapped over as many lines as it needs
        joined = ""
        while start < len(words) and len(joined) < len(name):
            joined = (joined + " " + words[start]).strip() if language == "en" else joined + words[start]
            start += 1
        assert joined == name
    assert ("议题" if language == "zh" else "Topics") in words
    assert matrix.legend_problems(fig) == []  # no word overlaps another or leaves the figure


def test_legend_groups_topics_under_their_pillar_in_code_order():
    frame = named(6).iloc[::-1]  # rank order, not code order
    columns = matrix.legend_layout(frame, matrix.DEFAULT_LABELS, lambda text, bold=False: 0.05 * len(text),
                                   width=8.0, fontsize=8.0).columns
    entries = [(kind, key) for column in columns for kind, key, _lines in column]
    assert entries == [("heading", "E"), ("topic", "E00"), ("topic", "E03"), ("heading", "S"), ("topic", "S01"),
                       ("topic", "S04"), ("heading", "G"), ("topic", "G02"), ("topic", "G05")]
    assert not any(column[-1][0] == "heading" for column in columns)  # a heading never ends a column


def test_names_wrap_between_words_and_between_chinese_characters():
    width = lambda text, bold=False: 0.1 * len(text)  # noqa: E731
    assert matrix.wrap("Employee rights and interests protection", 2.0, width) == [
        "Employee rights and", "interests protection"]
    assert matrix.wrap("生态系统与生物多样性保护", 0.5, width) == ["生态系统与", "生物多样性", "保护"]
    assert matrix.wrap("Supercalifragilistic", 1.0, width) == ["Supercalif", "ragilistic"]
    assert matrix.wrap("", 1.0, width) == [""]


def test_png_is_200_dpi_and_the_stated_size():
    fig = matrix.draw(named(24), scale=5, major=4.0, important=3.0)
    image = Image.open(io.BytesIO(matrix.render(fig, "png")))
    width, height = fig.get_size_inches()
    assert image.size == (round(width * 200), round(height * 200))
    assert image.size[0] >= 1600 and image.size[1] >= 1500
    assert tuple(round(float(d)) for d in image.info["dpi"]) == (200, 200)
    assert image.info["Title"] == matrix.DEFAULT_LABELS["description"]


def test_svg_carries_its_words_as_text_and_a_title():
    fig = matrix.draw(named(24, "zh"), scale=5, major=4.0, important=3.0, labels=CHINESE)
    svg = matrix.render(fig, "svg").decode()
    assert re.search(r"<svg[^>]*>\s*<title>双重重要性矩阵</title>", svg)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "员工关怀1" in texts and "E00" in texts and "议题" in texts and "财务重要性" in texts
    assert "环境" in texts and "治理" in texts


def test_equal_scores_give_equal_files():
    first = matrix.draw(named(24), scale=5, major=4.0, important=3.0)
    second = matrix.draw(named(24), scale=5, major=4.0, important=3.0)
    assert matrix.render(first, "svg") == matrix.render(second, "svg")
    assert matrix.render(first, "png") == matrix.render(second, "png")


def test_a_second_language_reuses_the_label_places():
    english = matrix.draw(named(60, "en"), scale=5, major=4.0, important=3.0)
    placed = matrix.label_positions(english)
    chinese = matrix.draw(named(60, "zh"), scale=5, major=4.0, important=3.0, labels=CHINESE, placed=placed)
    fresh = matrix.draw(named(60, "zh"), scale=5, major=4.0, important=3.0, labels=CHINESE)
    assert matrix.label_positions(chinese) == placed
    for code, (x, y) in matrix.label_positions(fresh).items():  # what placing them again would have given
        assert placed[code] == pytest.approx((x, y), abs=1e-6)
    assert labels_on_markers(chinese) == [] and matrix.labels_overlap(chinese) == []


def test_labels_use_the_cjk_font_when_installed(monkeypatch, recwarn):
    fig = matrix.draw(named(6, "zh"), scale=5, major=4.0, important=3.0, labels=CHINESE)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "财务重要性"
    assert ax.xaxis.label.get_fontfamily()[-1] == "DejaVu Sans"
    assert "环境" in [t.get_text() for t in fig.legends[0].get_texts()]
    matrix.render(fig, "png")
    if matrix.label_fonts()[0] == matrix.CJK_FONT:  # Debian's fonts-noto-cjk: no glyph goes missing
        assert not [w for w in recwarn if "missing from font" in str(w.message)]
    monkeypatch.setattr(matrix.font_manager, "findfont", lambda *a, **k: (_ for _ in ()).throw(ValueError()))
    monkeypatch.setattr(matrix, "CJK_FILES", ())
    assert matrix.label_fonts() == ["DejaVu Sans"]


def iro_layer(topics: pd.DataFrame) -> pd.DataFrame:
    """Three IROs per topic (two impacts, a risk), placed as esrs_scoring.iro_positions places them."""
    rows = []
    for code, t in topics.iterrows():
        rows += [(f"{code}-I1", code, "impact", t["impact"], t["financial"]),
                 (f"{code}-I2", code, "impact", t["impact"] - 0.7, t["financial"]),
                 (f"{code}-R1", code, "risk", t["financial"] - 0.5, t["impact"])]
    frame = pd.DataFrame(rows, columns=["iro", "topic", "kind", "score", "other"]).set_index("iro")
    impact = frame["kind"] == "impact"
    return frame.assign(
        pillar=[str(c)[0] for c in frame["topic"]],
        financial=frame["other"].where(impact, frame["score"]), impact=frame["score"].where(impact, frame["other"]),
        topic_financial=frame["topic"].map(topics["financial"]), topic_impact=frame["topic"].map(topics["impact"]))


def test_the_iro_layer_draws_every_iro_inside_the_axes_with_its_key():
    topics = named(24)
    iros = iro_layer(topics)
    fig = matrix.draw(topics, scale=5, major=4.0, important=3.5, reach=iros)
    before = matrix.label_positions(fig)
    matrix.add_iros(fig, iros)
    ax = fig.axes[0]
    drawn = [line.get_xydata() for line in ax.lines if (line.get_gid() or "").startswith(matrix.IRO_GID)]
    expected = iros[["financial", "impact"]].to_numpy()
    assert sorted(map(tuple, np.vstack(drawn))) == sorted(map(tuple, expected))  # every IRO, once
    low, high = ax.get_xlim()
    assert ((iros[["financial", "impact"]] > low) & (iros[["financial", "impact"]] < high)).all().all()
    assert matrix.label_positions(fig) == before  # the topics' labels stay where they were
    key = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"Impact (IRO)", "Risk (IRO)", "Opportunity (IRO)", "IRO to its topic"} <= set(key)
    assert "95% interval" not in key and not ax.containers  # the only lines from a topic lead to its IROs
    assert matrix.legend_problems(fig) == [] and matrix.labels_overlap(fig) == []
    svg = matrix.render(fig, "svg").decode()
    assert f'id="{matrix.IRO_GID}-risk-' in svg and "<title>Double-materiality matrix with every IRO</title>" in svg


def test_the_topics_figure_takes_the_iros_in_so_both_share_their_axes():
    topics = named(12)
    iros = iro_layer(topics)
    alone = matrix.draw(topics, scale=5, major=4.0, important=3.5).axes[0].get_ylim()
    shared = matrix.draw(topics, scale=5, major=4.0, important=3.5, reach=iros).axes[0].get_ylim()
    assert shared[0] < alone[0] and shared[0] < iros["impact"].min()
