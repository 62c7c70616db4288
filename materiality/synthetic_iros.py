"""Seeded synthetic IRO ratings in the IRO ratings CSV format (DESIGN.md section 4): pure, for the demo and benches.

Each IRO gets a target level from its topic's published CALB 2024 class (synthetic.CALB_LEVELS: the impact level
for impacts, the financial level for risks, a little lower for opportunities); every rater rates around it on the
criteria the IRO's kind needs, with some "don't know". S06's positive impact (community programmes) is rated higher
than the survey rates the topic, so the demo shows a topic where the two views disagree.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from materiality import synthetic

RATING_COLUMNS = ["rater", "iro", "scale", "scope", "irremediability", "likelihood", "magnitude", "rationale"]
OVERRIDES = {"S06-I1": 3.6}  # the internal view sees more in the community programmes than the stakeholders do
RATIONALES = {
    "impact": "Rated gross, before mitigation, from the site reports and the step-3 register.",
    "risk": "Based on last year's cost figures and the current regulatory pipeline.",
    "opportunity": "Based on customer requests and the sales pipeline.",
}


@dataclass(frozen=True)
class IroSpec:
    code: str
    topic: str
    kind: str  # impact, risk, opportunity
    sign: str = ""  # negative, positive (impacts)
    status: str = ""  # actual, potential (impacts)


def criteria(iro: IroSpec) -> list[str]:
    """The criteria DESIGN 3b asks for this kind of IRO."""
    if iro.kind != "impact":
        return ["magnitude", "likelihood"]
    needed = ["scale", "scope"] + (["irremediability"] if iro.sign == "negative" else [])
    return needed + (["likelihood"] if iro.status == "potential" else [])


def target(iro: IroSpec) -> float:
    if iro.code in OVERRIDES:
        return OVERRIDES[iro.code]
    impact, financial = synthetic.CALB_LEVELS.get(iro.topic, synthetic.IMPORTANT)
    if iro.kind == "impact":
        return impact
    return financial if iro.kind == "risk" else financial - 0.3


def ratings(iros: Sequence[IroSpec], raters: Sequence[str], *, seed: int, scale: int = 5,
            dont_know: float = 0.04, spread: float = 0.6) -> pd.DataFrame:
    """One row per (rater, IRO): integers 1..scale on the IRO's criteria, empty elsewhere or for "don't know"."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for rater in raters:
        for iro in iros:
            row: dict[str, object] = {"rater": rater, "iro": iro.code}
            level = target(iro) * scale / 5
            for criterion in criteria(iro):
                if rng.random() < dont_know:
                    continue
                row[criterion] = int(np.clip(np.rint(rng.normal(level, spread)), 1, scale))
            if rng.random() < 0.3:
                row["rationale"] = RATIONALES[iro.kind]
            rows.append(row)
    frame = pd.DataFrame(rows, columns=RATING_COLUMNS)
    for column in ("scale", "scope", "irremediability", "likelihood", "magnitude"):
        frame[column] = frame[column].astype("Int64")
    return frame


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode("utf-8")


def specs_from_register(rows: Sequence[Mapping[str, str]]) -> list[IroSpec]:
    """IroSpecs from IRO register CSV rows (the demo's shipped register)."""
    return [IroSpec(r["iro"], r["topic"], r["kind"], r.get("sign", ""), r.get("status", "")) for r in rows]
