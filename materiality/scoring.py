"""Scoring method dma-1 (DESIGN.md section 3) on pandas tables: pure, no Django, no database.

Input is the per-group statistics the aggregate query returns, one row per (group, topic, dimension):
`n` non-empty per-response values, their `sum` and their sum of squares `sumsq`, where a per-response value is

    impact(r, t)    = sqrt(severity x likelihood), or severity when likelihood is empty, empty without severity
    financial(r, t) = sqrt(magnitude x financial_likelihood), or magnitude alone, empty without magnitude

Per group g: G(g, t) = sum / n (the mean), s2(g, t) the sample variance (nothing for n = 1).
Per topic: I(t) = sum(w_g G(g, t)) / sum(w_g) over the groups with n(g, t) >= 1; F(t) likewise; empty without answers.
combined(t) = mean of I and F where both exist, else the one that exists.
major: I >= major and F >= major; important: otherwise I >= important or F >= important; general: otherwise;
a score within the tolerance (1e-9) below a threshold reaches it.
Rank: combined descending, ties by topic code ascending (topics without any score last).
95% interval: score -/+ 1.96 SE with SE2 = sum((w_g / sum w)^2 s2(g, t) / n(g, t)); a topic is borderline when
its impact or its financial interval crosses the major or the important threshold.
Influence period: the most frequent horizon among the topic's financial ratings, ties to the shorter horizon.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

METHOD = "dma-1"
DIMENSIONS = ("impact", "financial")
CLASSES = ("major", "important", "general")
HORIZONS = ("short", "medium", "long")
Z_95 = 1.96
STATS_COLUMNS = ["group", "topic", "dimension", "n", "sum", "sumsq"]
SCENARIOS = (
    "equal_weights", "internal_only", "external_only",
    "major_plus", "major_minus", "important_plus", "important_minus",
)
THRESHOLD_STEP = 0.25


@dataclass(frozen=True)
class ScoringParams:
    """Everything a run needs besides its input; stored as JSON on the run so it can be reproduced exactly."""

    scale: int = 5
    weights: Mapping[str, float] = field(default_factory=dict)  # group code -> weight; other groups do not count
    major: float = 4.0
    important: float = 3.0
    tolerance: float = 1e-9
    internal_groups: tuple[str, ...] = ()  # for the internal-only / external-only sensitivity scenarios
    method: str = METHOD
    # group code -> the only topic codes its questionnaire asks; a group not listed is asked every topic
    asked: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["weights"] = dict(sorted(self.weights.items()))
        data["internal_groups"] = sorted(self.internal_groups)
        data["asked"] = {g: sorted(codes) for g, codes in sorted(self.asked.items())}
        if not data["asked"]:
            del data["asked"]  # the runs made before subsets existed keep their parameters as recorded
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ScoringParams:
        values = dict(data)
        values["weights"] = {str(k): float(v) for k, v in dict(values.get("weights") or {}).items()}  # type: ignore[call-overload]
        values["internal_groups"] = tuple(values.get("internal_groups") or ())  # type: ignore[arg-type]
        values["asked"] = {str(g): tuple(sorted(c)) for g, c in dict(values.get("asked") or {}).items()}  # type: ignore[call-overload]
        return cls(**values)  # type: ignore[arg-type]


def asked_mask(groups: pd.Series, topics: pd.Series, asked: Mapping[str, Sequence[str]]) -> pd.Series:
    """Tell, per row, whether the row's group was asked the row's topic (every group is asked every topic unless
    `asked` lists its subset)."""
    keep = pd.Series(True, index=groups.index)
    for group, codes in asked.items():
        keep &= ~((groups == group) & ~topics.isin(list(codes)))
    return keep


def asked_only(group_stats: pd.DataFrame, asked: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Drop the statistics of (group, topic) pairs the group was not asked: a topic not asked is no answer at all,
    neither a rating nor a "don't know", so the group's weight is re-normalised over the groups asked."""
    if not asked or group_stats.empty:
        return group_stats
    return group_stats[asked_mask(group_stats["group"], group_stats["topic"], asked)]


def group_means(group_stats: pd.DataFrame) -> pd.DataFrame:
    """Return G (mean), n and s2 (sample variance; NaN when n = 1) per (group, topic, dimension) with n >= 1."""
    stats = group_stats.loc[group_stats["n"] > 0, STATS_COLUMNS]
    n = stats["n"].astype("float64")
    mean = stats["sum"].astype("float64") / n
    # sumsq - n mean^2 can come out a hair below zero when all values are equal: that is a variance of 0.
    variance = ((stats["sumsq"].astype("float64") - n * mean * mean) / (n - 1)).clip(lower=0.0)
    variance = variance.where(stats["n"] >= 2)
    return pd.DataFrame({
        "group": stats["group"].to_numpy(), "topic": stats["topic"].to_numpy(),
        "dimension": stats["dimension"].to_numpy(), "n": stats["n"].astype("int64").to_numpy(),
        "mean": mean.to_numpy(), "variance": variance.to_numpy(),
    })


def weighted_topic_scores(per_group: pd.DataFrame, weights: Mapping[str, float], scale: int) -> pd.DataFrame:
    """Return score, n and SE per (topic, dimension): weights re-normalised over the groups that answered."""
    rows = per_group[per_group["group"].isin(list(weights))].copy()
    # Sort so that the floating-point sums run in one fixed order whatever order the input came in.
    rows = rows.sort_values(["topic", "dimension", "group"], kind="stable")
    rows["w"] = rows["group"].map(weights).astype("float64")
    rows["wm"] = rows["w"] * rows["mean"]
    rows["wv"] = rows["w"] * rows["w"] * rows["variance"].fillna(0.0) / rows["n"]
    sums = rows.groupby(["topic", "dimension"], sort=True).agg(
        W=("w", "sum"), wm=("wm", "sum"), wv=("wv", "sum"), n=("n", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (sums["wm"] / sums["W"]).where(sums["W"] > 0)
        se = (np.sqrt(sums["wv"]) / sums["W"]).where(sums["W"] > 0)
    # The mean of values in 1..S is in 1..S; clipping only removes a last-bit rounding excess.
    return pd.DataFrame({"score": score.clip(1.0, float(scale)), "n": sums["n"], "se": se}).reset_index()


def reaches(score: pd.Series, threshold: float, tolerance: float) -> pd.Series:
    """Return whether each score reaches the threshold (empty scores never do)."""
    return (score >= threshold - tolerance).fillna(False).astype(bool)


def classify(impact: pd.Series, financial: pd.Series, major: float, important: float, tolerance: float) -> pd.Series:
    """Return major / important / general per topic by the dma-1 threshold rule."""
    is_major = reaches(impact, major, tolerance) & reaches(financial, major, tolerance)
    is_important = reaches(impact, important, tolerance) | reaches(financial, important, tolerance)
    return pd.Series(np.where(is_major, "major", np.where(is_important, "important", "general")),
                     index=impact.index, dtype=object)


def topic_scores(group_stats: pd.DataFrame, params: ScoringParams, topics: Sequence[str] | None = None) -> pd.DataFrame:
    """Return I, F, their counts and 95% intervals, and combined per topic (unranked, unclassified)."""
    per_topic = weighted_topic_scores(group_means(asked_only(group_stats, params.asked)), params.weights, params.scale)
    wide = per_topic.pivot(index="topic", columns="dimension", values=["score", "n", "se"])
    codes = list(topics) if topics is not None else sorted(set(group_stats["topic"]))
    out = pd.DataFrame(index=pd.Index(codes, name="topic"))
    for dim in DIMENSIONS:
        def column(value: str, dim: str = dim) -> pd.Series:
            if (value, dim) in wide.columns:
                return wide[(value, dim)].reindex(out.index).astype("float64")
            return pd.Series(np.nan, index=out.index, dtype="float64")

        out[dim] = column("score")
        out[f"n_{dim}"] = column("n").fillna(0).astype("int64")
        se = column("se")
        out[f"{dim}_low"] = out[dim] - Z_95 * se
        out[f"{dim}_high"] = out[dim] + Z_95 * se
    out["combined"] = out[["impact", "financial"]].mean(axis=1, skipna=True)
    return out


def borderline(scores: pd.DataFrame, params: ScoringParams) -> np.ndarray:
    """Flag topics whose impact or financial interval crosses the major or the important threshold."""
    flags = np.zeros(len(scores), dtype=bool)
    for dim in ("impact", "financial"):
        for threshold in (params.major, params.important):
            low = reaches(scores[f"{dim}_low"], threshold, params.tolerance)
            high = reaches(scores[f"{dim}_high"], threshold, params.tolerance)
            flags |= (low != high).to_numpy()
    return flags


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Order by combined descending, ties by topic code ascending; add rank 1..N."""
    ordered = scores.reset_index()
    ordered = ordered.assign(_missing=ordered["combined"].isna(), _neg=-ordered["combined"].fillna(0.0))
    ordered = ordered.sort_values(["_missing", "_neg", "topic"], kind="stable").drop(columns=["_missing", "_neg"])
    ordered["rank"] = np.arange(1, len(ordered) + 1)
    return ordered.set_index("topic")


def score(group_stats: pd.DataFrame, params: ScoringParams, topics: Sequence[str] | None = None) -> pd.DataFrame:
    """Score every topic with method dma-1; one row per topic (index: topic code), ranked, classified, flagged."""
    scores = topic_scores(group_stats, params, topics)
    scores["classification"] = classify(scores["impact"], scores["financial"], params.major, params.important,
                                        params.tolerance)
    scores["is_borderline"] = borderline(scores, params)
    return rank(scores)


def influence_period(horizon_counts: pd.DataFrame) -> pd.Series:
    """Return the most frequent horizon per topic (ties to the shorter; '' when no horizon was given)."""
    counts = horizon_counts.reindex(columns=list(HORIZONS), fill_value=0).fillna(0)
    # idxmax returns the first maximum, and the columns run short -> long, so ties go to the shorter horizon.
    best = counts.idxmax(axis=1).astype(object)
    return best.where(counts.sum(axis=1) > 0, "")


def scenario_params(params: ScoringParams, scenario: str) -> ScoringParams:
    """Return the parameters of one sensitivity scenario."""
    internal = set(params.internal_groups)
    step = THRESHOLD_STEP
    match scenario:
        case "equal_weights":
            return replace(params, weights=dict.fromkeys(params.weights, 1.0))
        case "internal_only":
            return replace(params, weights={g: w for g, w in params.weights.items() if g in internal})
        case "external_only":
            return replace(params, weights={g: w for g, w in params.weights.items() if g not in internal})
        case "major_plus":
            return replace(params, major=params.major + step)
        case "major_minus":
            return replace(params, major=params.major - step)
        case "important_plus":
            return replace(params, important=params.important + step)
        case "important_minus":
            return replace(params, important=params.important - step)
    raise ValueError(f"unknown scenario {scenario!r}")


def sensitivity(
    group_stats: pd.DataFrame, params: ScoringParams, base: pd.DataFrame
) -> dict[str, list[tuple[str, str, str]]]:
    """Return, per scenario, the topics whose class changes: (topic, base class, scenario class), by topic code.

    A topic no answer scores under a scenario (external respondents only, say, when only raters rated it) has the
    scenario class "" (no answers), not "general"; a topic with no answers at all is never listed.
    """
    topics = list(base.index)
    answered = base[["impact", "financial"]].notna().any(axis=1)
    changes: dict[str, list[tuple[str, str, str]]] = {}
    for scenario in SCENARIOS:
        result = score(group_stats, scenario_params(params, scenario), topics).reindex(base.index)
        other = result["classification"].where(result[["impact", "financial"]].notna().any(axis=1), "")
        changed = base.index[(other != base["classification"]) & answered]
        changes[scenario] = [(t, str(base.at[t, "classification"]), str(other[t])) for t in sorted(changed)]
    return changes


def movement(
    current: pd.DataFrame, previous: pd.DataFrame, lineage: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Compare with last cycle's scores through the library lineage (topic -> its predecessors' codes).

    `previous` is indexed by last cycle's topic code with impact, financial, combined, classification. A topic
    with no scored predecessor is new; one with several (a merger) is compared with their mean and highest class.
    """
    class_order = {c: i for i, c in enumerate(CLASSES)}
    rows = []
    for code in current.index:
        before = [p for p in lineage.get(code, ()) if p in previous.index]
        if not before:
            rows.append({"topic": code, "is_new": True, "previous_topics": "", "previous_impact": np.nan,
                         "previous_financial": np.nan, "previous_combined": np.nan, "previous_classification": ""})
            continue
        prev = previous.loc[sorted(before)]
        rows.append({
            "topic": code, "is_new": False, "previous_topics": ";".join(sorted(before)),
            "previous_impact": prev["impact"].mean(), "previous_financial": prev["financial"].mean(),
            "previous_combined": prev["combined"].mean(),
            "previous_classification": min(prev["classification"], key=lambda c: class_order.get(c, 99)),
        })
    return pd.DataFrame(rows).set_index("topic") if rows else pd.DataFrame(
        columns=["is_new", "previous_topics", "previous_impact", "previous_financial", "previous_combined",
                 "previous_classification"])


def stats_from_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    """Compute the per-group statistics from per-response ratings (the aggregate query's job, for tests and checks).

    Columns in: group, topic, severity, likelihood, magnitude, financial_likelihood (empty = NaN).
    """
    frames = []
    for dim, first, second in (("impact", "severity", "likelihood"), ("financial", "magnitude", "financial_likelihood")):
        a = ratings[first].astype("float64")
        b = ratings[second].astype("float64").fillna(a)
        product = a * b
        values = pd.DataFrame({"group": ratings["group"], "topic": ratings["topic"], "k": product,
                               "v": np.sqrt(product)}).dropna(subset=["k"])
        agg = values.groupby(["group", "topic"], sort=True).agg(n=("v", "size"), sum=("v", "sum"), sumsq=("k", "sum"))
        agg = agg.reset_index()
        agg["dimension"] = dim
        frames.append(agg)
    out = pd.concat(frames, ignore_index=True)
    return out[STATS_COLUMNS].sort_values(["group", "topic", "dimension"], ignore_index=True)


def input_checksum(group_stats: pd.DataFrame, horizon_counts: pd.DataFrame | None = None,
                   asked: Mapping[str, Sequence[str]] | None = None) -> str:
    """Return a SHA-256 of the statistics a run scores, in a canonical order and exact float representation, and of
    the topic subsets they were asked under (left out when every group is asked every topic, as before subsets)."""
    rows = sorted(
        (str(g), str(t), str(d), int(n), float(s).hex(), float(q).hex())
        for g, t, d, n, s, q in group_stats[STATS_COLUMNS].itertuples(index=False)
        if int(n) > 0
    )
    horizons = []
    if horizon_counts is not None:
        counts = horizon_counts.reindex(columns=list(HORIZONS), fill_value=0).fillna(0)
        horizons = sorted((str(t), *(int(v) for v in values)) for t, *values in counts.itertuples())
    content: dict[str, object] = {"method": METHOD, "stats": rows, "horizons": horizons}
    if asked:
        content["asked"] = {str(g): sorted(map(str, codes)) for g, codes in sorted(asked.items())}
    payload = json.dumps(content, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def finite_or_none(value: object) -> float | None:
    """Return a float, or None for NaN/empty (for storage and JSON)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number
