"""Scoring method esrs-1 (DESIGN.md section 3b) on pandas tables: pure, no Django, no database.

Input is one row per IRO with the raters' statistics the aggregate query returns (materiality/esrs_aggregation.py),
or `stats_from_ratings` computes from single ratings (tests, checks):

    ratings  every rating row of the IRO;  n  the raters with a score (every criterion the IRO needs given)
    sum_<rule>, sumsq_<rule>, severity_<rule>  sum of the raters' scores, of their squares, of their severities
    likelihood, magnitude                      sums over the raters with a score (for "what drives it")

for each severity rule, so that the sensitivity under every rule needs no second query. Per rater:

    severity  = rule over scale, scope (and irremediability for a negative impact): mean_max, mean or max
    impact    = severity when actual, or potential negative with human_rights; else sqrt(severity x likelihood)
    financial = sqrt(magnitude x likelihood) for a risk or an opportunity

Per IRO: score = mean over the raters with a score, 95% interval score -/+ 1.96 s / sqrt(n) (none for n = 1),
material when the score reaches `important` (tolerance 1e-9). Per topic: I = the highest impact IRO score, F the
highest risk or opportunity score, each with that IRO's interval and n (ties: the lower IRO code); then combined,
class, borderline and rank exactly as dma-1 (materiality.scoring).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from materiality import scoring

METHOD = "esrs-1"
RULES = ("mean_max", "mean", "max")
KINDS = ("impact", "risk", "opportunity")
IRO_COLUMNS = ["iro", "topic", "kind", "sign", "status", "human_rights"]
STATS_COLUMNS = ["iro", "ratings", "n", *(f"{p}_{r}" for r in RULES for p in ("sum", "sumsq", "severity")),
                 "likelihood", "magnitude"]
SCENARIOS = ("rule_mean_max", "rule_mean", "rule_max",
             "major_plus", "major_minus", "important_plus", "important_minus")


@dataclass(frozen=True)
class EsrsParams:
    """Everything an esrs-1 run needs besides its input; stored as JSON on the run."""

    scale: int = 5
    major: float = 4.0
    important: float = 3.0
    severity_rule: str = "mean_max"
    tolerance: float = 1e-9
    method: str = METHOD

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> EsrsParams:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


def severity_criteria(sign: str) -> tuple[str, ...]:
    return ("scale", "scope", "irremediability") if sign == "negative" else ("scale", "scope")


def required_criteria(kind: str, sign: str, status: str) -> tuple[str, ...]:
    if kind != "impact":
        return ("magnitude", "likelihood")
    return severity_criteria(sign) + (("likelihood",) if status == "potential" else ())


def uses_likelihood(kind: str, sign: str, status: str, human_rights: bool) -> bool:
    """Whether the impact score multiplies in likelihood (not for actual ones, nor human-rights ones, ESRS 1 §45)."""
    return kind == "impact" and status == "potential" and not (sign == "negative" and bool(human_rights))


def rater_scores(ratings: pd.DataFrame, iros: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Return each rating's severity and score under a rule (NaN when a needed criterion is empty: don't know).

    `ratings`: iro, rater, scale, scope, irremediability, likelihood, magnitude (empty = NaN).
    """
    meta = iros.set_index("iro")
    rows = ratings.join(meta, on="iro")
    values = {c: rows[c].astype("float64") for c in ("scale", "scope", "irremediability", "likelihood", "magnitude")}
    negative = (rows["sign"] == "negative").to_numpy()
    third = np.where(negative, values["irremediability"].to_numpy(), np.nan)  # only negative impacts have it
    parts = np.column_stack([values["scale"].to_numpy(), values["scope"].to_numpy(), third])
    complete = ~np.isnan(parts[:, :2]).any(axis=1) & (~negative | ~np.isnan(third))
    filled = np.where(complete[:, None], parts, 1.0)
    filled[~negative, 2] = np.nan
    with np.errstate(invalid="ignore"):
        mean, top = np.nanmean(filled, axis=1), np.nanmax(filled, axis=1)
    severity = {"mean_max": (mean + top) / 2, "mean": mean, "max": top}[rule]
    severity = np.where(complete, severity, np.nan)
    likelihood, magnitude = values["likelihood"].to_numpy(), values["magnitude"].to_numpy()
    is_impact = (rows["kind"] == "impact").to_numpy()
    with_likelihood = np.array([uses_likelihood(k, s, t, h) for k, s, t, h in
                                rows[["kind", "sign", "status", "human_rights"]].itertuples(index=False)], dtype=bool)
    needs_likelihood = is_impact & (rows["status"] == "potential").to_numpy()
    impact = np.where(with_likelihood, np.sqrt(severity * likelihood), severity)
    impact = np.where(needs_likelihood & np.isnan(likelihood), np.nan, impact)  # HR: asked, just not used
    financial = np.sqrt(magnitude * likelihood)
    out = pd.DataFrame({"iro": rows["iro"].to_numpy(), "rater": rows["rater"].to_numpy()})
    out["severity"] = np.where(is_impact, severity, np.nan)
    out["score"] = np.where(is_impact, impact, financial)
    out["severity"] = out["severity"].where(out["score"].notna())
    return out


def stats_from_ratings(ratings: pd.DataFrame, iros: pd.DataFrame) -> pd.DataFrame:
    """Compute the per-IRO statistics from single ratings (what the aggregate query returns, for tests and checks)."""
    out = pd.DataFrame({"iro": iros["iro"].to_numpy()}).set_index("iro")
    out["ratings"] = ratings.groupby("iro").size().reindex(out.index).fillna(0).astype("int64")
    for rule in RULES:
        scored = rater_scores(ratings, iros, rule).dropna(subset=["score"])
        agg = scored.assign(sq=scored["score"] ** 2).groupby("iro").agg(
            n=("score", "size"), s=("score", "sum"), q=("sq", "sum"),
            v=("severity", lambda x: x.sum(min_count=1)))  # NULL like SQL when no severity
        out["n"] = agg["n"].reindex(out.index).fillna(0).astype("int64")
        out[f"sum_{rule}"], out[f"sumsq_{rule}"] = agg["s"].reindex(out.index), agg["q"].reindex(out.index)
        out[f"severity_{rule}"] = agg["v"].reindex(out.index)
    kept = rater_scores(ratings, iros, "mean").dropna(subset=["score"])[["iro", "rater"]]
    chosen = ratings.merge(kept, on=["iro", "rater"])
    for name in ("likelihood", "magnitude"):
        out[name] = chosen.groupby("iro")[name].sum(min_count=1).reindex(out.index).astype("float64")
    return out.reset_index()[STATS_COLUMNS]


def iro_scores(stats: pd.DataFrame, iros: pd.DataFrame, params: EsrsParams) -> pd.DataFrame:
    """Return score, n, sd, interval, mean parts, material, borderline and rank per IRO (index: IRO code)."""
    rule = params.severity_rule
    frame = iros.set_index("iro")[["topic", "kind", "sign", "status"]].join(stats.set_index("iro"), how="left")
    n = frame["n"].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (frame[f"sum_{rule}"] / n).where(n > 0)
        variance = ((frame[f"sumsq_{rule}"] - n * mean * mean) / (n - 1)).clip(lower=0.0).where(n >= 2)
        sd = np.sqrt(variance)
        half = scoring.Z_95 * sd / np.sqrt(n)
    out = pd.DataFrame(index=frame.index)
    out["topic"], out["kind"], out["sign"], out["status"] = frame["topic"], frame["kind"], frame["sign"], frame["status"]
    out["score"] = mean.clip(1.0, float(params.scale)).astype("float64")  # clipping removes a last-bit excess only
    out["n"] = n
    out["n_dont_know"] = (frame["ratings"].fillna(0).astype("int64") - n)
    out["sd"], out["low"], out["high"] = sd, out["score"] - half, out["score"] + half
    with np.errstate(divide="ignore", invalid="ignore"):
        out["severity"] = (frame[f"severity_{rule}"] / n).where(n > 0)
        out["likelihood"] = (frame["likelihood"] / n).where(n > 0)
        out["magnitude"] = (frame["magnitude"] / n).where(n > 0)
    out["material"] = scoring.reaches(out["score"], params.important, params.tolerance)
    flags = np.zeros(len(out), dtype=bool)
    for threshold in (params.major, params.important):
        flags |= (scoring.reaches(out["low"], threshold, params.tolerance)
                  != scoring.reaches(out["high"], threshold, params.tolerance)).to_numpy() & out["low"].notna().to_numpy()
    out["is_borderline"] = flags
    ordered = out.reset_index().assign(_missing=out["score"].isna().to_numpy(), _neg=-out["score"].fillna(0.0).to_numpy())
    ordered = ordered.sort_values(["_missing", "_neg", "iro"], kind="stable").drop(columns=["_missing", "_neg"])
    ordered["rank"] = np.arange(1, len(ordered) + 1)
    return ordered.set_index("iro")


def topic_scores(scored: pd.DataFrame, params: EsrsParams, topics: Sequence[str]) -> pd.DataFrame:
    """Return I, F (each from its best IRO, with that IRO's interval and n), combined, class, borderline and rank."""
    out = pd.DataFrame(index=pd.Index(list(topics), name="topic"))
    for dim, kinds in (("impact", ("impact",)), ("financial", ("risk", "opportunity"))):
        part = scored[scored["kind"].isin(kinds) & scored["score"].notna()].reset_index()
        best = part.sort_values(["topic", "score", "iro"], ascending=[True, False, True], kind="stable")
        best = best.drop_duplicates("topic").set_index("topic").reindex(out.index)
        out[dim] = best["score"].astype("float64")
        out[f"n_{dim}"] = best["n"].fillna(0).astype("int64")
        out[f"{dim}_low"], out[f"{dim}_high"] = best["low"].astype("float64"), best["high"].astype("float64")
        out[f"{dim}_iro"] = best["iro"].fillna("")
    out["combined"] = out[["impact", "financial"]].mean(axis=1, skipna=True)
    out["classification"] = scoring.classify(out["impact"], out["financial"], params.major, params.important,
                                             params.tolerance)
    out["is_borderline"] = scoring.borderline(out, params)  # type: ignore[arg-type]
    return scoring.rank(out)


def score(stats: pd.DataFrame, iros: pd.DataFrame, params: EsrsParams,
          topics: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every IRO and every topic with method esrs-1: (IRO table, topic table), both ranked."""
    scored = iro_scores(stats, iros, params)
    return scored, topic_scores(scored, params, topics)


def iro_positions(scored: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """Place each scored IRO in the matrix: on its own axis at its score, at its topic's score on the other axis.

    An impact is rated for impact materiality only, a risk or an opportunity for financial materiality only, so an
    IRO has one coordinate of its own. Its topic's point takes the highest score of each kind, so impacts sit on
    the vertical line below their topic's point and risks and opportunities on the horizontal line to its left.
    An IRO whose topic has no score on the other axis is not placed (its topic is not in the matrix either).
    Returns topic, kind, score, material, financial, impact and the topic's point (topic_financial, topic_impact).
    """
    frame = scored.loc[scored["score"].notna(), ["topic", "kind", "score", "material"]]
    impact = frame["kind"] == "impact"
    frame = frame.assign(topic_financial=frame["topic"].map(topics["financial"]).astype("float64"),
                         topic_impact=frame["topic"].map(topics["impact"]).astype("float64"))
    frame["financial"] = frame["topic_financial"].where(impact, frame["score"])
    frame["impact"] = frame["score"].where(impact, frame["topic_impact"])
    return frame.dropna(subset=["financial", "impact"])


THRESHOLD_SHIFTS = {"major_plus": ("major", 1), "major_minus": ("major", -1),
                    "important_plus": ("important", 1), "important_minus": ("important", -1)}


def scenario_params(params: EsrsParams, scenario: str) -> EsrsParams:
    """Return the parameters of one sensitivity scenario: another severity rule, or a threshold moved by 0.25."""
    if scenario.startswith("rule_") and scenario.removeprefix("rule_") in RULES:
        return replace(params, severity_rule=scenario.removeprefix("rule_"))
    if scenario in THRESHOLD_SHIFTS:
        name, sign = THRESHOLD_SHIFTS[scenario]
        return replace(params, **{name: getattr(params, name) + sign * scoring.THRESHOLD_STEP})
    raise ValueError(f"unknown scenario {scenario!r}")


def sensitivity(stats: pd.DataFrame, iros: pd.DataFrame, params: EsrsParams,
                base: pd.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """Return, per scenario (each severity rule, thresholds +-0.25), the topics whose class changes, as dma-1 does."""
    answered = base[["impact", "financial"]].notna().any(axis=1)
    changes: dict[str, list[tuple[str, str, str]]] = {}
    by_rule: dict[str, pd.DataFrame] = {}  # the IRO scores depend on the rule only, not on the thresholds
    for scenario in SCENARIOS:
        other_params = scenario_params(params, scenario)
        rule = other_params.severity_rule
        if rule not in by_rule:
            by_rule[rule] = iro_scores(stats, iros, replace(params, severity_rule=rule))
        result = topic_scores(by_rule[rule], other_params, list(base.index))
        other = result.reindex(base.index)["classification"]
        changed = base.index[(other != base["classification"]) & answered]
        changes[scenario] = [(t, str(base.at[t, "classification"]), str(other[t])) for t in sorted(changed)]
    return changes


def input_checksum(stats: pd.DataFrame) -> str:
    """Return a SHA-256 of the statistics a run scores, canonical order, sums to 12 significant digits.

    The float sums come from the database, whose summing order may vary with its plan; 12 digits is far above that
    noise (about 1e-15 relative) and far below any difference in the ratings.
    """
    def num(value: object) -> str | None:
        return None if pd.isna(value) else f"{float(value):.12e}"  # type: ignore[arg-type]

    rows = sorted((str(r.iro), int(r.ratings), int(r.n), *(num(getattr(r, c)) for c in STATS_COLUMNS[3:]))
                  for r in stats[STATS_COLUMNS].itertuples(index=False) if int(r.ratings) > 0)
    payload = json.dumps({"method": METHOD, "stats": rows}, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
