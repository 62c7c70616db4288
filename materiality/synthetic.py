"""Realistic synthetic survey answers in the response CSV format (DESIGN.md section 4): pure, seeded.

Used by the bench scripts and the demo. The "calb" profile gives each topic a target level so that method dma-1
with its default thresholds reproduces the published CALB 2024 outcome: S01 and S07 major, S06 and E07 general,
the other topics important. Groups lean up on the topics in their needs and expectations; internal rater groups
(management, ESG experts) answer the financial items as well, external groups only the impact items.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CSV_COLUMNS = ["respondent", "group", "topic", "severity", "likelihood", "magnitude", "financial_likelihood",
               "horizon", "comment"]
HORIZONS = np.array(["short", "medium", "long"], dtype=object)

# Target levels on a 5-point scale (impact, financial) and horizon weights (short, medium, long).
MAJOR = (4.75, 4.75)
IMPORTANT = (3.55, 3.2)
GENERAL = (2.2, 2.1)
CALB_LEVELS: dict[str, tuple[float, float]] = {"S01": MAJOR, "S07": MAJOR, "S06": GENERAL, "E07": GENERAL}
CALB_HORIZONS: dict[str, tuple[float, float, float]] = {
    "E01": (0.1, 0.45, 0.45), "E02": (0.1, 0.45, 0.45), "E05": (0.1, 0.45, 0.45), "S01": (0.1, 0.45, 0.45),
    "E06": (0.45, 0.45, 0.1),
}
LONG_TERM = (0.1, 0.3, 0.6)


@dataclass(frozen=True)
class GroupSpec:
    code: str
    is_rater: bool = False  # answers the financial items too
    needs_topics: Sequence[str] = field(default_factory=tuple)


def topic_level(code: str, profile: str) -> tuple[float, float]:
    """Return the (impact, financial) target of a topic on a 5-point scale."""
    if profile == "calb":
        if code in CALB_LEVELS:
            return CALB_LEVELS[code]
        # A stable spread among the important topics, so the matrix is not one tight cluster.
        spread = (sum(map(ord, code)) * 7 % 11) / 10
        return (IMPORTANT[0] - 0.25 + 0.55 * spread, IMPORTANT[1] - 0.2 + 0.6 * spread)
    if profile == "flat":
        return (3.0, 3.0)
    raise ValueError(f"unknown profile {profile!r}")


def _ratings(rng: np.random.Generator, target: np.ndarray, scale: int, spread: float) -> np.ndarray:
    """Draw integer ratings around a target (already on the scale), clipped to 1..scale."""
    return np.clip(np.rint(rng.normal(target, spread)), 1, scale)


def group_frame(
    rng: np.random.Generator, group: GroupSpec, topics: Sequence[str], respondents: Sequence[str], *,
    profile: str = "calb", scale: int = 5, dont_know: float = 0.04, emphasis: float = 0.35,
) -> pd.DataFrame:
    """Return one group's answers (respondents x topics rows) as a DataFrame in the CSV columns."""
    m, k = len(respondents), len(topics)
    stretch = (scale - 1) / 4  # map 5-point targets onto the assessment's scale
    levels = np.array([topic_level(t, profile) for t in topics])
    needs = np.array([t in set(group.needs_topics) for t in topics]) * emphasis
    leniency = rng.normal(0.0, 0.25, size=(m, 1))  # some respondents rate everything a little higher or lower
    impact_target = 1 + (levels[:, 0] + needs - 1) * stretch + leniency
    severity = _ratings(rng, impact_target, scale, 0.6 * stretch)
    likelihood = _ratings(rng, impact_target, scale, 0.6 * stretch)
    severity[rng.random((m, k)) < dont_know] = np.nan
    likelihood[rng.random((m, k)) < dont_know] = np.nan
    frame = {
        "respondent": np.repeat(np.asarray(respondents, dtype=object), k),
        "group": group.code,
        "topic": np.tile(np.asarray(topics, dtype=object), m),
        "severity": severity.ravel(), "likelihood": likelihood.ravel(),
    }
    if group.is_rater:
        fin_target = 1 + (levels[:, 1] - 1) * stretch + leniency
        magnitude = _ratings(rng, fin_target, scale, 0.6 * stretch)
        fin_likelihood = _ratings(rng, fin_target, scale, 0.6 * stretch)
        magnitude[rng.random((m, k)) < dont_know] = np.nan
        fin_likelihood[rng.random((m, k)) < dont_know] = np.nan
        weights = np.array([CALB_HORIZONS.get(t, LONG_TERM) for t in topics])
        cumulative = weights.cumsum(axis=1)
        draws = rng.random((m, k, 1))
        horizon = HORIZONS[(draws > cumulative[None, :, :]).sum(axis=2).clip(0, 2)]
        horizon[np.isnan(magnitude)] = ""
        frame.update({"magnitude": magnitude.ravel(), "financial_likelihood": fin_likelihood.ravel(),
                      "horizon": horizon.ravel()})
    else:
        frame.update({"magnitude": np.nan, "financial_likelihood": np.nan, "horizon": ""})
    frame["comment"] = ""
    out = pd.DataFrame(frame)
    for column in ("severity", "likelihood", "magnitude", "financial_likelihood"):
        out[column] = out[column].astype("Int64")
    return out[CSV_COLUMNS]


def responses(
    topics: Sequence[str], groups: Sequence[GroupSpec], per_group: int | Mapping[str, int], *, seed: int = 2024,
    profile: str = "calb", scale: int = 5, chunk_respondents: int = 20_000, prefix: str = "r",
) -> Iterator[pd.DataFrame]:
    """Yield the answers of every group's respondents in chunks (so a million respondents never sit in memory)."""
    rng = np.random.default_rng(seed)
    for group in groups:
        count = per_group if isinstance(per_group, int) else per_group.get(group.code, 0)
        for start in range(0, count, chunk_respondents):
            ids = [f"{prefix}-{group.code}-{i:07d}" for i in range(start + 1, min(count, start + chunk_respondents) + 1)]
            yield group_frame(rng, group, topics, ids, profile=profile, scale=scale)


def write_csv(stream: io.TextIOBase, frames: Iterator[pd.DataFrame]) -> int:
    """Write the frames as one response CSV (header once); return the number of rows written."""
    rows = 0
    for i, frame in enumerate(frames):
        frame.to_csv(stream, index=False, header=(i == 0), na_rep="", lineterminator="\n")
        rows += len(frame)
    return rows


def to_csv_bytes(frames: Iterator[pd.DataFrame]) -> bytes:
    """Return the frames as response CSV bytes (small samples: tests and the demo)."""
    buffer = io.StringIO()
    write_csv(buffer, frames)
    return buffer.getvalue().encode("utf-8")
