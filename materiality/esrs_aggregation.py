"""The scoring job of method esrs-1: one aggregate query over the IRO ratings, pure scoring, results all at once.

The job's frame (claim, stages, failure, audit) is materiality.aggregation's; this module reads, scores and saves.
"""

from __future__ import annotations

import contextlib

import pandas as pd
from django.db import connection, transaction

from materiality import aggregation, audit, esrs_scoring, runs, scoring
from materiality.esrs_scoring import EsrsParams
from materiality.models import Assessment, Iro, IroRating, IroScore, ScoreRun, Topic, TopicScore


def esrs_params(assessment: Assessment) -> EsrsParams:
    """Snapshot the assessment's scale, thresholds and severity rule as the parameters of a run."""
    return EsrsParams(scale=assessment.scale, major=assessment.major_threshold,
                      important=assessment.important_threshold, severity_rule=assessment.severity_rule)


# One pass over the ratings. The innermost select computes each rating's parts once (whether every criterion its
# IRO needs is given, the severity criteria's mean and highest); the middle one turns them into a severity and a
# score under each rule; the outer one sums per IRO. Written as SQL rather than ORM expressions: the ORM repeats
# every nested CASE in each of the sixteen sums (4.8 s at 400,000 ratings, against the raw query's 1.3 s); the
# "OFFSET 0" stops PostgreSQL from folding the subqueries back into one repeated expression.
STATISTICS_SQL = """
SELECT code, COUNT(*), COUNT(s_mean), {sums}, SUM(CASE WHEN s_mean IS NOT NULL THEN lik END),
       SUM(CASE WHEN s_mean IS NOT NULL THEN mag END)
FROM (
  SELECT code, lik, mag, {scores}
  FROM (
    SELECT i.code AS code, CAST(r.likelihood AS DOUBLE PRECISION) AS lik,
           CAST(r.magnitude AS DOUBLE PRECISION) AS mag,
           CASE WHEN i.kind = 'impact' AND r.scale IS NOT NULL AND r.scope IS NOT NULL
                     AND (i.sign <> 'negative' OR r.irremediability IS NOT NULL)
                     AND (i.status = 'actual' OR r.likelihood IS NOT NULL) THEN 1 ELSE 0 END AS impact_ok,
           CASE WHEN i.kind <> 'impact' AND r.magnitude IS NOT NULL AND r.likelihood IS NOT NULL
                THEN 1 ELSE 0 END AS financial_ok,
           CASE WHEN i.status = 'actual' OR (i.sign = 'negative' AND i.human_rights) THEN 1 ELSE 0 END AS alone,
           CASE WHEN i.sign = 'negative' THEN (r.scale + r.scope + r.irremediability) / 3.0
                ELSE (r.scale + r.scope) / 2.0 END AS sev_mean,
           CAST(CASE WHEN i.sign = 'negative' THEN {greatest}(r.scale, r.scope, r.irremediability)
                ELSE {greatest}(r.scale, r.scope) END AS DOUBLE PRECISION) AS sev_max
    FROM {ratings} r JOIN {iros} i ON i.id = r.iro_id
    WHERE i.assessment_id = %s AND r.submitted_at IS NOT NULL {fence}
  ) AS parts {fence}
) AS scored
GROUP BY code
"""
SEVERITY_SQL = {"mean_max": "(sev_mean + sev_max) / 2", "mean": "sev_mean", "max": "sev_max"}


def statistics_sql() -> str:
    """The one aggregate query, in this database's words (GREATEST is MAX in SQLite; OFFSET 0 a PostgreSQL fence)."""
    postgres = connection.vendor == "postgresql"
    scores = ", ".join(
        f"CASE WHEN impact_ok = 1 THEN {sev} END AS sev_{rule}, "
        f"CASE WHEN impact_ok = 1 AND alone = 1 THEN {sev} WHEN impact_ok = 1 THEN SQRT({sev} * lik) "
        f"WHEN financial_ok = 1 THEN SQRT(mag * lik) END AS s_{rule}"
        for rule, sev in SEVERITY_SQL.items())
    sums = ", ".join(f"SUM(s_{rule}), SUM(s_{rule} * s_{rule}), SUM(sev_{rule})" for rule in esrs_scoring.RULES)
    return STATISTICS_SQL.format(sums=sums, scores=scores, greatest="GREATEST" if postgres else "MAX",
                                 fence="OFFSET 0" if postgres else "", ratings=IroRating._meta.db_table,
                                 iros=Iro._meta.db_table)


def rating_statistics(assessment_id: int) -> pd.DataFrame:
    """Return esrs_scoring's per-IRO statistics (every severity rule) from one aggregate query over the ratings.

    Python receives one row per IRO, never a rating row.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A parallel plan adds the floats in a different order each time; one process keeps the sums repeatable.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(statistics_sql(), [assessment_id])
        found = cursor.fetchall()
    frame = pd.DataFrame.from_records(found, columns=esrs_scoring.STATS_COLUMNS)
    return frame.astype({c: "float64" for c in esrs_scoring.STATS_COLUMNS[3:]})


def register_frame(assessment: Assessment, topic_codes: list[str]) -> pd.DataFrame:
    """Return the register as esrs_scoring takes it (one row per IRO of the scored topics), plus its horizon."""
    rows = Iro.objects.filter(assessment=assessment, topic__code__in=topic_codes).values_list(
        "code", "topic__code", "kind", "sign", "status", "human_rights", "horizon", "pk")
    return pd.DataFrame(list(rows), columns=[*esrs_scoring.IRO_COLUMNS, "horizon", "pk"])


def compute(lease: runs.Lease, *, draw: bool = True) -> None:
    """Score a leased esrs-1 run and store IRO and topic scores with the SUCCEEDED flag in one transaction."""
    run_id = lease.run_id
    run = ScoreRun.objects.select_related("assessment").get(pk=run_id)
    assessment = run.assessment
    params = EsrsParams.from_json(run.params)
    topics = list(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).order_by("position", "code"))
    codes = [t.code for t in topics]
    register = register_frame(assessment, codes)
    stats = rating_statistics(assessment.pk)
    stats = stats[stats["iro"].isin(register["iro"])]
    handed_in = IroRating.objects.filter(iro__assessment=assessment, submitted_at__isnull=False)
    raters = handed_in.values("rater").distinct().count()
    aggregation.set_stage(lease, "scoring", 35)

    iro_table, topic_table = esrs_scoring.score(stats, register, params, codes)
    horizon = register.set_index("iro")["horizon"]
    topic_table["influence_period"] = topic_table["financial_iro"].map(horizon).fillna("")
    points = esrs_scoring.iro_positions(iro_table, topic_table) if draw else None
    with contextlib.closing(aggregation.drawing_or_none(draw, topic_table, topics, params, points)) as drawing:  # type: ignore[arg-type]
        aggregation.set_stage(lease, "sensitivity", 55)
        changes = esrs_scoring.sensitivity(stats, register, params, topic_table)
        previous, lineage = aggregation.previous_scores(assessment)
        moved = scoring.movement(topic_table, previous, lineage).reindex(topic_table.index)
        checksum = esrs_scoring.input_checksum(stats)
        aggregation.set_stage(lease, "matrix", 70)
        images = drawing.images()
    aggregation.set_stage(lease, "saving", 90)

    value = scoring.finite_or_none
    iro_ids = register.set_index("iro")["pk"]
    iro_rows = [IroScore(
        run_id=run_id, iro_id=int(iro_ids[code]), score=value(row["score"]), n=int(row["n"]),
        n_dont_know=int(row["n_dont_know"]), sd=value(row["sd"]), low=value(row["low"]), high=value(row["high"]),
        severity=value(row["severity"]), likelihood=value(row["likelihood"]), magnitude=value(row["magnitude"]),
        material=bool(row["material"]), is_borderline=bool(row["is_borderline"]), rank=int(row["rank"]),
    ) for code, row in iro_table.iterrows()]
    by_code = {t.code: t for t in topics}
    topic_rows = aggregation.topic_score_rows(run_id, topic_table, by_code, moved, bool(previous.shape[0]))

    with transaction.atomic():  # results appear all at once, with the SUCCEEDED flag, or not at all
        IroScore.objects.bulk_create(iro_rows, batch_size=2000)
        TopicScore.objects.bulk_create(topic_rows)
        aggregation.mark_succeeded(lease, checksum, raters, changes, images)
        audit.record(None, "run.succeed", run, assessment=assessment, after={
            "checksum": checksum, "raters": raters, "material_iros": int(iro_table["material"].sum()),
            "classes": {c: int((topic_table["classification"] == c).sum()) for c in scoring.CLASSES}})


def stakeholder_view(assessment: Assessment) -> pd.DataFrame:
    """Score the cycle's questionnaires with dma-1 (the stakeholder view beside esrs-1): one row per topic.

    Computed when the page asks, from the same one aggregate query the dma-1 job uses; empty without answers.
    """
    topics = list(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).values_list("pk", "code"))
    raw = aggregation.rating_statistics(assessment.pk)
    if raw.empty:
        return pd.DataFrame(columns=["impact", "financial", "combined", "classification", "answered"])
    groups = dict(aggregation.StakeholderGroup.objects.values_list("pk", "code"))
    stats, _horizons = aggregation.long_stats(raw, groups, dict(topics))
    scores = scoring.score(stats, aggregation.scoring_params(assessment), [code for _pk, code in topics])
    return scores.assign(answered=(scores["n_impact"] + scores["n_financial"]) > 0)


def iro_results_frame(run: ScoreRun) -> pd.DataFrame:
    """Return a stored esrs-1 run's IRO scores indexed by IRO code, in rank order (empty for a dma-1 run)."""
    fields = ["iro__code", "iro__topic__code", "iro__kind", "iro__sign", "iro__status", "score", "n", "low", "high",
              "material", "rank"]
    rows = IroScore.objects.filter(run=run).order_by("rank").values_list(*fields)
    columns = ["iro", "topic", "kind", "sign", "status", *fields[5:]]
    return pd.DataFrame(list(rows), columns=columns).set_index("iro")
