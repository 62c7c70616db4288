"""The double-materiality matrix as a matplotlib figure, rendered to PNG or SVG bytes (pure: no Django).

Financial materiality on the x axis, impact materiality on the y axis, the two thresholds as lines with the
general / important / major zones shaded, one point per topic with its 95% intervals as error bars, and every
topic labelled by its code, the labels pushed apart by adjustText so none overlap and none sits on a marker.

Pillars differ by marker shape as well as colour, from the Okabe-Ito palette, so that the chart reads in
grey-scale and with any colour-vision deficiency (tests/materiality/test_matrix_colour_vision.py simulates them);
the zones are one orange ramp that also grows darker from general to major. A key beside the plot explains the
markers, zones and lines; a legend below it maps every code to its name. Every word comes from the caller, in
one language per figure. The layout is fixed in inches, so a figure is the same size whatever its words, and
the PNG is saved at 200 dpi. Only the Agg canvas is used; pyplot's global figure state is never touched.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # web and worker processes have no display; adjustText imports pyplot

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from adjustText import adjust_text  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.path import Path as MarkerPath  # noqa: E402
from matplotlib.text import Text  # noqa: E402


@dataclass(frozen=True)
class PointStyle:
    colour: str
    marker: str
    size: float  # marker area in points², chosen so that the shapes look the same size


# Okabe & Ito's colour-blind-safe palette: blue, vermillion and black stay far apart (CIEDE2000 above 38) under
# simulated deuteranopia, protanopia and tritanopia, and each has at least 3:1 contrast on white.
PILLAR_STYLES = {
    "E": PointStyle("#0072B2", "o", 40),
    "S": PointStyle("#D55E00", "s", 34),
    "G": PointStyle("#000000", "^", 50),
}
OTHER_STYLE = PointStyle("#6C757D", "D", 32)  # a topic whose pillar is none of E, S, G
PILLAR_COLOURS = {pillar: style.colour for pillar, style in PILLAR_STYLES.items()}
# Tints of Okabe-Ito orange, darker towards major: the zones differ in lightness, which every simulation keeps.
ZONE_COLOURS = {"general": "#FFFFFF", "important": "#F7E2B2", "major": "#EEBC4D"}
EDGE_COLOUR = "#212529"  # marker outlines: every marker stands out from every zone, whatever its fill
LINE_COLOUR = "#495057"
TEXT_COLOUR = "#212529"
PNG_COMPRESSION = 2
DPI = 200  # of the saved PNG; the layout is computed at 100 dpi, where adjustText's pixel steps were tuned
ITERATIONS = 50  # a fixed count, not a time limit, so the same scores always give the same picture
EDGE = 0.2  # the least room around the outermost points, in scale units (beyond 1..S if need be)
CROWDED = 30  # above this many topics the plot is drawn larger with smaller labels
CJK_FONT = "Noto Sans CJK SC"  # Debian's fonts-noto-cjk; the Chinese chart needs it
CJK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")

# The fixed layout, in inches.
LEFT = 0.85  # y tick labels and axis title
GAP = 0.25  # between the plot and its key
KEY = 1.95  # the key beside the plot
RIGHT = 0.15
TOP = 0.2
TITLE = 0.35
BELOW_PLOT = 0.6  # x tick labels and axis title
LEGEND_LEFT = 0.3
LEGEND_COLUMNS = 3
BOTTOM = 0.2

DEFAULT_LABELS = {
    "x": "Financial materiality", "y": "Impact materiality", "E": "Environmental", "S": "Social",
    "G": "Governance", "other": "Other", "major": "Major", "important": "Important", "general": "General",
    "interval": "95% interval", "major_line": "Major threshold", "important_line": "Important threshold",
    "topics": "Topics", "title": "", "description": "Double-materiality matrix",
    "impact_iro": "Impact (IRO)", "risk_iro": "Risk (IRO)", "opportunity_iro": "Opportunity (IRO)",
    "iro_line": "IRO to its topic", "iros_description": "Double-materiality matrix with every IRO",
}
# The IRO layer (method esrs-1): small markers by kind, in their topic's pillar colour. An impact is hollow, so it
# never reads as an environmental topic's filled circle; risks and opportunities take shapes no topic uses.
IRO_STYLES = {
    "impact": PointStyle("#FFFFFF", "o", 16),
    "risk": PointStyle("", "X", 26),
    "opportunity": PointStyle("", "P", 26),
}
IRO_GID = "iro-points"  # the SVG groups of the IRO markers start so: iro-points-<kind>-<colour>
INTERVAL_LABEL = "_interval"  # marks the topics' error bars, which the IRO layer takes away


def cjk_installed() -> bool:
    """Whether matplotlib finds the CJK font (its findfont caches the answer), adding its files if need be."""
    try:
        font_manager.findfont(CJK_FONT, fallback_to_default=False)
    except ValueError:
        # matplotlib's font cache is built once; fonts installed after it are added by their files.
        found = [path for path in CJK_FILES if Path(path).exists()]
        for path in found:
            font_manager.fontManager.addfont(path)
        if not found:
            return False
    return True


def label_fonts() -> list[str]:
    """The font families for every word: the CJK font when installed, DejaVu Sans for the rest."""
    return [CJK_FONT, "DejaVu Sans"] if cjk_installed() else ["DejaVu Sans"]


def style_for(pillar: object) -> PointStyle:
    return PILLAR_STYLES.get(str(pillar), OTHER_STYLE)


def draw(
    scores: pd.DataFrame, *, scale: int, major: float, important: float, labels: Mapping[str, str] | None = None,
    placed: Mapping[str, tuple[float, float]] | None = None, reach: pd.DataFrame | None = None,
) -> Figure:
    """Draw the matrix for topics indexed by code with pillar, impact, financial and their _low/_high ends.

    An optional "name" column fills the legend below the plot (code, then name, grouped by pillar). `placed`
    takes the label positions of the same scores drawn before (label_positions), say in another language: the
    plot has the same size whatever the words, so the labels need not be placed again. `reach` holds more points
    (financial, impact) the axes must take in: the IROs that add_iros draws later on the same figure.
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    fonts = label_fonts()
    crowded = len(scores) > CROWDED
    plot = 8.2 if crowded else 6.4
    size = 7.5 if crowded else 8.0  # legend and key text, in points
    width = LEFT + plot + GAP + KEY + RIGHT
    top = TOP + (TITLE if text["title"] else 0.0)
    fig = Figure(figsize=(width, 1.0), dpi=100)
    FigureCanvasAgg(fig)
    legend = legend_layout(scores, text, text_measure(fig, fonts, size), width=width, fontsize=size)
    height = round((top + plot + BELOW_PLOT + legend.height + BOTTOM) * DPI) / DPI  # whole pixels in the PNG
    fig.set_size_inches(width, height)
    fig.set_label(text["description"])  # the image's accessible name, written into the PNG and SVG
    ax = fig.add_axes((LEFT / width, (height - top - plot) / height, plot / width, plot / height))

    lo, hi = view_range(scores if reach is None else pd.concat([scores, reach[["financial", "impact"]]]),
                        scale=scale, thresholds=(important, major))
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    # Zones: general below both important lines, major above both major lines, important the L between.
    ax.fill_between([lo, hi], lo, hi, color=ZONE_COLOURS["important"], zorder=0, linewidth=0)
    ax.fill_between([lo, important], lo, important, color=ZONE_COLOURS["general"], zorder=0, linewidth=0)
    ax.fill_between([major, hi], major, hi, color=ZONE_COLOURS["major"], zorder=0, linewidth=0)
    for value, style in ((important, ":"), (major, "--")):
        ax.axvline(value, color=LINE_COLOUR, linestyle=style, linewidth=1, zorder=1)
        ax.axhline(value, color=LINE_COLOUR, linestyle=style, linewidth=1, zorder=1)

    plotted = scores.dropna(subset=["impact", "financial"])
    styles = [style_for(p) for p in plotted["pillar"]]
    for colour in dict.fromkeys(s.colour for s in styles):
        rows = plotted[[s.colour == colour for s in styles]]
        xerr = [(rows["financial"] - rows["financial_low"]).fillna(0).clip(lower=0),
                (rows["financial_high"] - rows["financial"]).fillna(0).clip(lower=0)]
        yerr = [(rows["impact"] - rows["impact_low"]).fillna(0).clip(lower=0),
                (rows["impact_high"] - rows["impact"]).fillna(0).clip(lower=0)]
        bars = ax.errorbar(rows["financial"], rows["impact"], xerr=xerr, yerr=yerr, fmt="none", ecolor=colour,
                           alpha=0.4, elinewidth=1, capsize=2, zorder=2)
        bars.set_label(INTERVAL_LABEL)
    # One collection for every marker, each with its own shape, so adjustText keeps the labels off every marker.
    points = ax.scatter(plotted["financial"], plotted["impact"], s=[s.size for s in styles], zorder=3,
                        c=[s.colour for s in styles], edgecolors=EDGE_COLOUR, linewidths=0.6)
    if len(styles):
        points.set_paths([marker_path(s.marker) for s in styles])
    texts = [ax.text(row["financial"], row["impact"], str(code), fontsize=7 if crowded else 8, zorder=4,
                     color=TEXT_COLOUR,
                     # a light backing keeps a label readable where it crosses an error bar or a line
                     bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "alpha": 0.7, "linewidth": 0})
             for code, row in plotted.iterrows()]

    ax.tick_params(labelsize=8.5)
    if texts:
        x = plotted["financial"].to_numpy()
        y = plotted["impact"].to_numpy()
        if placed is not None and all(t.get_text() in placed for t in texts):
            for label in texts:  # adjustText leaves every label centred on its place
                label.set_horizontalalignment("center")
                label.set_verticalalignment("center")
                label.set_position(placed[label.get_text()])
        else:
            # objects: the drawn markers (not just their centres) are kept clear of every label.
            adjust_text(texts, x=x, y=y, objects=points, ax=ax, expand=(1.15, 1.35), ensure_inside_axes=True,
                        iter_lim=ITERATIONS)
            separate_labels(fig)
            clear_markers(fig, texts, x, y)
        connect_labels(fig, texts, x, y)
    # The words outside the plot come last: adjustText draws the whole figure on every call, and the axis titles,
    # key and legend (outside the axes, so they move no label) would only slow it.
    ax.set_xlabel(text["x"], fontfamily=fonts, fontsize=10)
    ax.set_ylabel(text["y"], fontfamily=fonts, fontsize=10)
    if text["title"]:
        fig.text(0.5, 1 - (TOP + TITLE / 2) / height, text["title"], ha="center", va="center", fontsize=12,
                 fontfamily=fonts)
    draw_key(fig, text, fonts, x=(LEFT + plot + GAP) / width, y=1 - top / height, fontsize=size)
    draw_legend(fig, legend, text, fonts, bottom=BOTTOM)
    return fig


def add_iros(fig: Figure, iros: pd.DataFrame, labels: Mapping[str, str] | None = None) -> None:
    """Add the IRO layer to a drawn matrix: each IRO a small marker joined by a thin line to its topic's point.

    `iros` is esrs_scoring.iro_positions's table with the topic's pillar. The IROs go under the topic markers and
    labels (the labels keep their places, so both figures show the topics alike) and carry no label of their
    own: with some seventy of them the codes would hide the topics; the page's table names every one. The topics'
    intervals are taken away, so that the only lines from a topic lead to its IROs; the key beside the plot is
    drawn again to match. draw's `reach` must have taken the IROs in, or some fall outside the axes.
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    ax = fig.axes[0]
    for container in [c for c in ax.containers if c.get_label() == INTERVAL_LABEL]:
        container.remove()
    rows = iros.dropna(subset=["financial", "impact"])
    # One line and one marker set per pillar and kind, not one artist per IRO: the SVG then defines each marker
    # once and places it, which keeps 2,000 IROs to a fraction of a second and a fraction of the size.
    for colour, group in rows.groupby(rows["pillar"].map(lambda p: style_for(p).colour), sort=True):
        xs = np.column_stack([group["financial"], group["topic_financial"], np.full(len(group), np.nan)]).ravel()
        ys = np.column_stack([group["impact"], group["topic_impact"], np.full(len(group), np.nan)]).ravel()
        ax.plot(xs, ys, color=colour, alpha=0.55, linewidth=0.7, zorder=2.2)
        for kind, style in IRO_STYLES.items():
            points = group[group["kind"] == kind]
            if points.empty:
                continue
            ax.plot(points["financial"], points["impact"], linestyle="", marker=style.marker, zorder=2.6,
                    markersize=math.sqrt(style.size), markerfacecolor=style.colour or colour,
                    markeredgecolor=colour if style.colour else EDGE_COLOUR,
                    markeredgewidth=1.0 if style.colour else 0.4, gid=f"{IRO_GID}-{kind}-{colour.lstrip('#')}")
    fig.set_label(text["iros_description"])
    box = ax.get_position()
    crowded = box.width * fig.get_figwidth() > 7  # the plot is drawn larger, its words smaller, above CROWDED topics
    for legend in list(fig.legends):
        legend.remove()
    draw_key(fig, text, label_fonts(), x=box.x1 + GAP / fig.get_figwidth(), y=box.y1,
             fontsize=7.5 if crowded else 8.0, iros=True)


def label_positions(fig: Figure) -> dict[str, tuple[float, float]]:
    """Return where each topic's label was placed, in data units (for draw's `placed`)."""
    return {t.get_text(): tuple(t.get_position()) for t in fig.axes[0].texts}  # type: ignore[misc]


def marker_path(marker: str) -> MarkerPath:
    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform())


def draw_key(fig: Figure, text: Mapping[str, str], fonts: list[str], *, x: float, y: float, fontsize: float,
             iros: bool = False) -> None:
    """Explain the markers, zones, lines and bars beside the plot (and the IRO markers when they are drawn)."""
    handles: list[Any] = [
        Line2D([], [], marker=style.marker, markersize=math.sqrt(style.size), linestyle="", color=style.colour,
               markeredgecolor=EDGE_COLOUR, markeredgewidth=0.6, label=text[pillar])
        for pillar, style in PILLAR_STYLES.items()
    ]
    handles += [Patch(facecolor=ZONE_COLOURS[zone], edgecolor="#adb5bd", label=text[zone])
                for zone in ("major", "important", "general")]
    handles += [Line2D([], [], color=LINE_COLOUR, linestyle="--", linewidth=1, label=text["major_line"]),
                Line2D([], [], color=LINE_COLOUR, linestyle=":", linewidth=1, label=text["important_line"]),
                *([] if iros else [Line2D([], [], color=LINE_COLOUR, alpha=0.6, label=text["interval"])])]
    if iros:
        handles += [Line2D([], [], marker=style.marker, markersize=math.sqrt(style.size), linestyle="",
                           color=style.colour or LINE_COLOUR, markeredgecolor=LINE_COLOUR if style.colour else EDGE_COLOUR,
                           markeredgewidth=1.0 if style.colour else 0.4, label=text[f"{kind}_iro"])
                    for kind, style in IRO_STYLES.items()]
        handles.append(Line2D([], [], color=LINE_COLOUR, alpha=0.55, linewidth=0.7, label=text["iro_line"]))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, y), borderaxespad=0, frameon=False,
               prop={"family": fonts, "size": fontsize + 0.5}, handlelength=1.8, labelspacing=0.7)


Entry = tuple[str, str, list[str]]  # ("heading", pillar, [its name]) or ("topic", code, lines of its name)


@dataclass(frozen=True)
class Legend:
    columns: list[list[Entry]]
    code_width: float  # inches kept for the codes
    column_width: float
    width: float
    height: float
    fontsize: float


def text_measure(fig: Figure, fonts: list[str], fontsize: float) -> Callable[[str, bool], float]:
    """Return a function giving the drawn width in inches of a text (bold or not) in the legend's font."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    properties = {bold: FontProperties(family=fonts, size=fontsize, weight="bold" if bold else "normal")
                  for bold in (False, True)}
    known: dict[tuple[str, bool], float] = {}

    def measure(text: str, bold: bool = False) -> float:
        if (text, bold) not in known:
            pixels = renderer.get_text_width_height_descent(text, properties[bold], ismath=False)[0]
            known[text, bold] = pixels / fig.dpi
        return known[text, bold]

    return measure


def legend_layout(scores: pd.DataFrame, text: Mapping[str, str], measure: Callable[[str, bool], float], *,
                  width: float, fontsize: float) -> Legend:
    """Arrange the topics, grouped by pillar under a heading, in up to three columns of about equal height."""
    column_width = (width - LEGEND_LEFT - RIGHT) / LEGEND_COLUMNS
    if "name" not in scores.columns or scores.empty:
        return Legend([], 0.0, column_width, width, 0.0, fontsize)
    code_width = max(measure(str(code), True) for code in scores.index) + 0.1
    room = column_width - code_width - 0.1
    order = {pillar: i for i, pillar in enumerate(PILLAR_STYLES)}
    frame = scores.assign(_order=[order.get(str(p), len(order)) for p in scores["pillar"]])
    entries: list[Entry] = []
    for key, rows in frame.groupby("_order", sort=True):
        pillar = str(rows["pillar"].iloc[0]) if key < len(order) else "other"
        entries.append(("heading", pillar, [text.get(pillar, pillar)]))
        names = rows["name"].sort_index()
        entries += [("topic", str(code), wrap(str(name or ""), room, measure)) for code, name in names.items()]
    per_column = math.ceil(sum(len(e[2]) for e in entries) / LEGEND_COLUMNS)
    columns: list[list[Entry]] = [[]]
    used = 0
    for entry in entries:
        if used and used + len(entry[2]) > per_column and len(columns) < LEGEND_COLUMNS:
            orphan = columns[-1].pop() if columns[-1][-1][0] == "heading" else None  # a heading goes with its topics
            columns.append([orphan] if orphan else [])
            used = len(orphan[2]) if orphan else 0
        columns[-1].append(entry)
        used += len(entry[2])
    lines = max(sum(len(e[2]) for e in column) for column in columns)
    headings = max(sum(1 for e in column if e[0] == "heading") for column in columns)
    height = line_height(fontsize) * (lines + 1 + 0.4 * headings) + 0.1
    return Legend(columns, code_width, column_width, width, height, fontsize)


def line_height(fontsize: float) -> float:
    return fontsize * 1.4 / 72


def draw_legend(fig: Figure, legend: Legend, text: Mapping[str, str], fonts: list[str], *, bottom: float) -> None:
    """Write the codes and names below the plot, in inches on an axes of their own."""
    if not legend.columns:
        return
    total = fig.get_figheight()
    ax = fig.add_axes((0, bottom / total, 1, legend.height / total))
    ax.set_xlim(0, legend.width)
    ax.set_ylim(0, legend.height)
    ax.set_axis_off()
    size, step = legend.fontsize, line_height(legend.fontsize)
    words = {"fontsize": size, "va": "center", "fontfamily": fonts, "color": TEXT_COLOUR}
    ax.text(LEGEND_LEFT, legend.height - step / 2, text["topics"], fontweight="bold", **{**words, "fontsize": size + 1})
    for number, column in enumerate(legend.columns):
        left = LEGEND_LEFT + number * legend.column_width
        y = legend.height - step * 1.5
        for kind, key, lines in column:
            if kind == "heading":
                if y < legend.height - step * 1.6:
                    y -= 0.4 * step  # a little room above every heading but the column's first
                style = style_for(key)
                ax.plot([left + 0.06], [y], marker=style.marker, markersize=math.sqrt(style.size) * 0.9,
                        color=style.colour, markeredgecolor=EDGE_COLOUR, markeredgewidth=0.6, linestyle="")
                ax.text(left + 0.2, y, lines[0], fontweight="bold", **words)
                y -= step
                continue
            ax.text(left, y, key, fontweight="bold", **words)
            for line in lines:
                ax.text(left + legend.code_width, y, line, **words)
                y -= step


WORD = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def wrap(text: str, room: float, measure: Callable[[str, bool], float]) -> list[str]:
    """Break a name into lines no wider than `room`, between words or between CJK characters.

    A line's width is the sum of its words' widths (each word measured once): close enough, and measuring
    every candidate line took half of the legend's time.
    """
    space = measure(" ", False)
    lines: list[str] = []
    line, used = "", 0.0
    for token in WORD.findall(text.strip()):
        if token.isspace():
            if line:
                line, used = line + " ", used + space
            continue
        while len(token) > 1 and measure(token, False) > room:  # a word longer than a line: break it
            cut = next(i for i in range(len(token) - 1, 0, -1) if measure(token[:i], False) <= room or i == 1)
            if line.strip():
                lines.append(line.rstrip())
            lines.append(token[:cut])
            line, used, token = "", 0.0, token[cut:]
        width = measure(token, False)
        if line.strip() and used + width > room:
            lines.append(line.rstrip())
            line, used = "", 0.0
        line, used = line + token, used + width
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def connect_labels(fig: Figure, texts: list[Text], x: Any, y: Any) -> None:
    """Join each label that moved away from its point by a thin line ending at the label's box.

    Plain lines, placed once: adjustText's arrows clip themselves to the label on every draw, which took half
    of the time to render the PNG and the SVG.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    to_data = ax.transData.inverted()
    for text, point in zip(texts, ax.transData.transform(list(zip(x, y, strict=True))), strict=True):
        box = text.get_window_extent(renderer)
        end = (min(max(point[0], box.x0), box.x1), min(max(point[1], box.y0), box.y1))
        if (end[0] - point[0]) ** 2 + (end[1] - point[1]) ** 2 < 25:  # within 5 pixels: no line needed
            continue
        (x0, y0), (x1, y1) = to_data.transform([point, end])
        ax.plot([x0, x1], [y0, y1], color="#868e96", linewidth=0.5, zorder=2.5)


def separate_labels(fig: Figure, passes: int = 60) -> None:
    """Push apart any labels adjustText left overlapping in a dense cluster: move the upper one up a little."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    to_data = ax.transData.inverted()
    for _ in range(passes):
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        moved = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if not a.overlaps(b):
                    continue
                upper = j if (b.y0, j) >= (a.y0, i) else i
                shift = min(a.y1, b.y1) - max(a.y0, b.y0) + 1.0
                text = ax.texts[upper]
                x, y = ax.transData.transform(text.get_position())
                text.set_position(to_data.transform((x, y + shift)))
                boxes[upper] = text.get_window_extent(renderer)
                moved = True
        if not moved:
            return


def clear_markers(fig: Figure, texts: list[Text], x: Any, y: Any, margin: float = 2.0) -> None:
    """Move any label left on a marker's centre to the nearest free place: no marker, no other label, in the axes.

    adjustText pushes labels off the markers by force, which in a dense cluster can leave one on a point; this
    settles it by a fixed search (up, down, right, left, farther each round), so the result stays reproducible.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    to_data = ax.transData.inverted()
    centres = ax.transData.transform(list(zip(x, y, strict=True)))
    inside = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in texts]

    def free(box: Any, skip: int) -> bool:
        if box.x0 < inside.x0 or box.y0 < inside.y0 or box.x1 > inside.x1 or box.y1 > inside.y1:
            return False
        if any(box.x0 - margin < cx < box.x1 + margin and box.y0 - margin < cy < box.y1 + margin for cx, cy in centres):
            return False
        return not any(i != skip and box.overlaps(other) for i, other in enumerate(boxes))

    for i, text in enumerate(texts):
        if free(boxes[i], i):
            continue
        height, width = boxes[i].height, boxes[i].width
        for step in range(1, 13):
            moves = [(0, step * height / 2), (0, -step * height / 2), (step * width / 3, 0), (-step * width / 3, 0)]
            found = next((m for m in moves if free(boxes[i].translated(*m), i)), None)
            if found:
                px, py = ax.transData.transform(text.get_position())
                text.set_position(to_data.transform((px + found[0], py + found[1])))
                boxes[i] = text.get_window_extent(renderer)
                break


def view_range(scores: pd.DataFrame, *, scale: int, thresholds: tuple[float, float]) -> tuple[float, float]:
    """Return one axis range for both axes: every point and both thresholds, with room for labels.

    The range stays within 1..S but for a margin, so a point on the scale's end (all answers 5, or all 1) is drawn
    whole with its label.
    """
    values = pd.concat([scores["impact"], scores["financial"]]).dropna()
    lowest = min([*thresholds, *values.tolist()])
    highest = max([*thresholds, *values.tolist()])
    pad = max(0.25, 0.06 * (highest - lowest))
    return (min(max(1.0, lowest - pad) - 0.02, lowest - EDGE),
            max(min(float(scale), highest + pad) + 0.02, highest + EDGE))


def render(fig: Figure, fmt: str) -> bytes:
    """Return the figure as a 200 dpi PNG or an SVG whose words are text (searchable, read by screen readers).

    Both carry the figure's label as their title; the SVG has no timestamp and fixed ids, so equal figures give
    equal files.
    """
    buffer = io.BytesIO()
    title = fig.get_label()
    metadata = {"Title": title, "Date": None} if fmt == "svg" else {"Title": title}
    # zlib level 2 instead of PIL's 6: the same pixels, a tenth larger, a quarter less time to write.
    extra = {"pil_kwargs": {"compress_level": PNG_COMPRESSION}} if fmt == "png" else {}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "materiality-matrix"}):
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata, **extra)
    content = buffer.getvalue()
    if fmt == "svg" and title:
        # An SVG's accessible name is its first <title> child; matplotlib writes the title into RDF only.
        escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
        start = content.index(b"<svg")
        end = content.index(b">", start) + 1
        content = content[:end] + b"\n <title>" + escaped + b"</title>" + content[end:]
    return content


def texts_overlapping(texts: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(a, b) for i, (a, box_a) in enumerate(texts) for b, box_b in texts[i + 1:] if box_a.overlaps(box_b)]


def labels_overlap(fig: Figure) -> list[tuple[str, str]]:
    """Return the pairs of topic labels whose drawn boxes overlap (the test and the bench check for none)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return texts_overlapping([(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts])


def legend_problems(fig: Figure) -> list[str]:
    """Return the legend's and key's words that overlap another or fall outside the figure (expected: none)."""
    fig.draw_without_rendering()  # lays out the axis titles at the figure's own dpi (a saved PNG moved them)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    words = [t for ax in fig.axes[1:] for t in ax.texts] + [t for legend in fig.legends for t in legend.get_texts()]
    words += [fig.axes[0].xaxis.label, fig.axes[0].yaxis.label, *fig.texts]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in words if t.get_text()]
    page = fig.bbox
    outside = [name for name, box in boxes
               if box.x0 < page.x0 or box.y0 < page.y0 or box.x1 > page.x1 or box.y1 > page.y1]
    return outside + [f"{a} / {b}" for a, b in texts_overlapping(boxes)]
