"""The double-materiality matrix as a matplotlib figure, rendered to PNG or SVG bytes (pure: no Django).

Financial materiality on the x axis, impact materiality on the y axis, the two thresholds as lines with the
general / important / major zones shaded, one point per topic coloured by pillar with its 95% intervals as error
bars, and every topic labelled by its code, the labels pushed apart by adjustText so none overlap and none sits on
a marker. Axis titles and legend may be bilingual: they use Noto Sans CJK SC when installed.
Only the Agg canvas is used; pyplot's global figure state is never touched (adjustText gets our axes).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # web and worker processes have no display; adjustText imports pyplot

import pandas as pd  # noqa: E402
from adjustText import adjust_text  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

PILLAR_COLOURS = {"E": "#2e7d32", "S": "#1565c0", "G": "#8e24aa"}
ZONE_COLOURS = {"general": "#f5f5f5", "important": "#fff3cd", "major": "#f8d7da"}
ITERATIONS = 50  # a fixed count, not a time limit, so the same scores always give the same picture
EDGE = 0.2  # the least room around the outermost points, in scale units (beyond 1..S if need be)
CJK_FONT = "Noto Sans CJK SC"  # Debian's fonts-noto-cjk; the labels may be bilingual


CJK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


def label_fonts() -> list[str]:
    """The font families for the axis titles and legend: the CJK font when installed, DejaVu Sans for the rest."""
    try:
        font_manager.findfont(CJK_FONT, fallback_to_default=False)
    except ValueError:
        # matplotlib's font cache is built once; fonts installed after it are added by their files.
        found = [path for path in CJK_FILES if Path(path).exists()]
        for path in found:
            font_manager.fontManager.addfont(path)
        if not found:
            return ["DejaVu Sans"]
    return [CJK_FONT, "DejaVu Sans"]


DEFAULT_LABELS = {
    "x": "Financial materiality", "y": "Impact materiality", "E": "Environmental", "S": "Social",
    "G": "Governance", "major": "Major", "important": "Important", "general": "General",
    "interval": "95% interval", "title": "",
}


def draw(
    scores: pd.DataFrame, *, scale: int, major: float, important: float, labels: Mapping[str, str] | None = None,
) -> Figure:
    """Draw the matrix for topics indexed by code with pillar, impact, financial and their _low/_high ends."""
    text = {**DEFAULT_LABELS, **(labels or {})}
    crowded = len(scores) > 30
    fig = Figure(figsize=(11, 9.5) if crowded else (9, 7.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    lo, hi = view_range(scores, scale=scale, thresholds=(important, major))
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    # Zones: general below both important lines, major above both major lines, important the L between.
    ax.fill_between([lo, hi], lo, hi, color=ZONE_COLOURS["important"], zorder=0, linewidth=0)
    ax.fill_between([lo, important], lo, important, color=ZONE_COLOURS["general"], zorder=0, linewidth=0)
    ax.fill_between([major, hi], major, hi, color=ZONE_COLOURS["major"], zorder=0, linewidth=0)
    for value, style in ((important, ":"), (major, "--")):
        ax.axvline(value, color="#6c757d", linestyle=style, linewidth=1, zorder=1)
        ax.axhline(value, color="#6c757d", linestyle=style, linewidth=1, zorder=1)

    plotted = scores.dropna(subset=["impact", "financial"])
    texts = []
    for pillar, colour in PILLAR_COLOURS.items():
        rows = plotted[plotted["pillar"] == pillar]
        if rows.empty:
            continue
        xerr = [(rows["financial"] - rows["financial_low"]).fillna(0).clip(lower=0),
                (rows["financial_high"] - rows["financial"]).fillna(0).clip(lower=0)]
        yerr = [(rows["impact"] - rows["impact_low"]).fillna(0).clip(lower=0),
                (rows["impact_high"] - rows["impact"]).fillna(0).clip(lower=0)]
        ax.errorbar(rows["financial"], rows["impact"], xerr=xerr, yerr=yerr, fmt="none", ecolor=colour,
                    alpha=0.35, elinewidth=1, capsize=2, zorder=2)
    # One collection for every marker, so adjustText can keep the labels off each marker, not only its centre.
    points = ax.scatter(plotted["financial"], plotted["impact"], s=36, zorder=3, edgecolor="white", linewidth=0.6,
                        color=[PILLAR_COLOURS.get(p, "#212529") for p in plotted["pillar"]])
    for code, row in plotted.iterrows():
        texts.append(ax.text(row["financial"], row["impact"], str(code), fontsize=7 if crowded else 8, zorder=4,
                             color=PILLAR_COLOURS.get(row["pillar"], "#212529"),
                             # a light backing keeps a label readable where it crosses an error bar
                             bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "alpha": 0.6,
                                   "linewidth": 0}))

    fonts = label_fonts()
    ax.set_xlabel(text["x"], fontfamily=fonts)
    ax.set_ylabel(text["y"], fontfamily=fonts)
    if text["title"]:
        ax.set_title(text["title"], fontfamily=fonts)
    ax.set_aspect("equal")
    ax.grid(False)
    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=text[p]) for p, c in PILLAR_COLOURS.items()]
    handles += [Patch(facecolor=ZONE_COLOURS[z], edgecolor="#adb5bd", label=text[z]) for z in ("major", "important",
                                                                                             "general")]
    handles.append(Line2D([], [], color="#6c757d", alpha=0.6, label=text["interval"]))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), prop={"family": fonts, "size": 8},
              frameon=False)
    if texts:
        x = plotted["financial"].to_numpy()
        y = plotted["impact"].to_numpy()
        # objects: the drawn markers (not just their centres) are kept clear of every label.
        adjust_text(texts, x=x, y=y, objects=points, ax=ax, expand=(1.15, 1.35), ensure_inside_axes=True,
                    iter_lim=ITERATIONS)
        separate_labels(fig)
        connect_labels(fig, texts, x, y)
    return fig


def connect_labels(fig: Figure, texts: list, x: object, y: object) -> None:  # type: ignore[type-arg]
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
        ax.plot([x0, x1], [y0, y1], color="#adb5bd", linewidth=0.5, zorder=2.5)


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
    """Return the figure as PNG or SVG bytes (SVG without a timestamp, so equal figures give equal files)."""
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    # "tight" grows the saved area to every label: the layout engine alone cut off the CJK axis title and legend.
    fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.1)
    return buffer.getvalue()


def labels_overlap(fig: Figure) -> list[tuple[str, str]]:
    """Return the pairs of topic labels whose drawn boxes overlap (the test and the bench check for none)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]
