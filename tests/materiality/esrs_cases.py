"""Shared builders for the esrs-1 tests: IRO tables and rating tables as the pure module takes them."""

from __future__ import annotations

import pandas as pd

from materiality import esrs_scoring

RATING_COLUMNS = ["iro", "rater", "scale", "scope", "irremediability", "likelihood", "magnitude"]


def iros(*rows: tuple) -> pd.DataFrame:
    """rows: (iro, topic, kind, sign, status, human_rights)."""
    return pd.DataFrame(list(rows), columns=esrs_scoring.IRO_COLUMNS)


def ratings(*rows: tuple) -> pd.DataFrame:
    """rows: (iro, rater, scale, scope, irremediability, likelihood, magnitude); None = don't know / not asked."""
    frame = pd.DataFrame(list(rows), columns=RATING_COLUMNS)
    return frame.astype({c: "float64" for c in RATING_COLUMNS[2:]})


def run(iro_table: pd.DataFrame, rating_table: pd.DataFrame, topics: list[str],
        params: esrs_scoring.EsrsParams | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    stats = esrs_scoring.stats_from_ratings(rating_table, iro_table)
    return esrs_scoring.score(stats, iro_table, params or esrs_scoring.EsrsParams(), topics)
