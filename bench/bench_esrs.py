"""Bench: esrs-1 scoring (claim -> stored IRO and topic scores, sensitivity, matrix) against the raw aggregate query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_esrs_bench .venv/bin/python bench/bench_esrs.py [IROS RATERS]
        [--history 2]

--history N (bench/_history.py, default 2) runs it on a fresh database and on one holding N earlier survey cycles
of 100,000 respondents (one confirmed), and prints both with their ratio.

Defaults: 2,000 IROs over the 24 topics, 200 raters each rating every IRO (400,000 ratings, about 8% of the
criteria left empty). The ratings are COPYed into IroRating and, for the baseline, into a bare table (no keys, no
indexes, the IRO's kind, sign, status and human-rights flag copied onto each row). The raw query computes one rule's
per-IRO count, sum and sum of squares of the per-rater scores over the bare table; the run computes all three rules
(the sensitivity needs them) over the real tables through the join. Target (issue 12): run <= 2 x raw + 1 s.
"""

from __future__ import annotations

import io
import random
import sys
import time

import _history

if __name__ == "__main__" and _history.orchestrate(__file__, _history.CUSTOMER_SIZE):
    sys.exit(0)

from _common import bench_assessment, best_seconds, report_run, require_postgres, run_command  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from materiality import esrs_scoring  # noqa: E402
from materiality.models import Iro, IroRating, ScoreRun  # noqa: E402

BARE = "bench_bare_iro_ratings"
SHAPES = [("impact", "negative", "actual", False), ("impact", "negative", "potential", False),
          ("impact", "negative", "potential", True), ("impact", "positive", "actual", False),
          ("impact", "positive", "potential", False), ("risk", "", "", None), ("opportunity", "", "", None)]
RAW_SQL = f"""
SELECT iro, count(*) FILTER (WHERE s IS NOT NULL), sum(s), sum(s * s) FROM (
  SELECT iro, CASE
    WHEN kind = 'impact' AND scale IS NOT NULL AND scope IS NOT NULL AND (sign <> 'negative' OR irr IS NOT NULL)
         AND (status = 'actual' OR lik IS NOT NULL) THEN
      CASE WHEN status = 'actual' OR (sign = 'negative' AND hr) THEN sev ELSE sqrt(sev * lik) END
    WHEN kind <> 'impact' AND mag IS NOT NULL AND lik IS NOT NULL THEN sqrt(mag::float * lik) END AS s
  FROM (SELECT *, CASE WHEN sign = 'negative'
                      THEN ((scale + scope + irr) / 3.0 + greatest(scale, scope, irr)) / 2
                      ELSE ((scale + scope) / 2.0 + greatest(scale, scope)) / 2 END AS sev FROM {BARE}) AS r
) AS scored GROUP BY iro
"""


def build(iros: int, raters: int, seed: int = 12) -> str:
    call_command("migrate", verbosity=0)
    ScoreRun.objects.filter(assessment__slug="bench-esrs").delete()  # its IRO scores protect the register
    assessment = bench_assessment("bench-esrs")
    assessment.method = "esrs-1"
    assessment.save(update_fields=["method"])
    rng = random.Random(seed)
    topics = list(assessment.library.topics.order_by("position"))
    register = Iro.objects.bulk_create([
        Iro(assessment=assessment, topic=topics[i % len(topics)], code=f"X{i:05d}", title_en=f"IRO {i}",
            kind=kind, sign=sign, status=status, human_rights=hr, position=i)
        for i, (kind, sign, status, hr) in ((i, rng.choice(SHAPES)) for i in range(iros))], batch_size=2000)
    ratings, bare = io.StringIO(), io.StringIO()
    for iro in register:
        needed = esrs_scoring.required_criteria(iro.kind, iro.sign, iro.status)
        for r in range(raters):
            values = [(str(rng.randint(1, 5)) if c in needed and rng.random() > 0.08 else "")
                      for c in ("scale", "scope", "irremediability", "likelihood", "magnitude")]
            ratings.write("\t".join([str(iro.pk), f"rater-{r:03d}", *(v or r"\N" for v in values)]) + "\n")
            bare.write("\t".join([iro.code, iro.kind, iro.sign, iro.status,
                                  r"\N" if iro.human_rights is None else str(iro.human_rights).lower(),
                                  *(v or r"\N" for v in values)]) + "\n")
    table = IroRating._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN dont_know SET DEFAULT '[]', "
                       "ALTER COLUMN rationale SET DEFAULT '', ALTER COLUMN source SET DEFAULT 'import', "
                       "ALTER COLUMN saved_at SET DEFAULT now(), ALTER COLUMN submitted_at SET DEFAULT now()")
        with cursor.copy(f"COPY {table} (iro_id, rater, scale, scope, irremediability, likelihood, magnitude) "
                         "FROM STDIN") as copy:
            copy.write(ratings.getvalue())
        for column in ("dont_know", "rationale", "source", "saved_at", "submitted_at"):  # handed in: the job scores them
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        cursor.execute(f"DROP TABLE IF EXISTS {BARE}")
        cursor.execute(f"CREATE TABLE {BARE} (iro text, kind text, sign text, status text, hr boolean, "
                       "scale smallint, scope smallint, irr smallint, lik smallint, mag smallint)")
        with cursor.copy(f"COPY {BARE} FROM STDIN") as copy:
            copy.write(bare.getvalue())
        cursor.execute(f"VACUUM ANALYZE {BARE}") if connection.get_autocommit() else None
        cursor.execute(f"ANALYZE {table}")
    print(f"{iros} IROs x {raters} raters: {iros * raters} ratings loaded")
    return assessment.slug


def main() -> None:
    require_postgres()
    iros, raters = (int(a) for a in (sys.argv[1:3] if len(sys.argv) >= 3 else (2000, 200)))
    slug = build(iros, raters)
    run_command("aggregate", slug)  # warm: the first reads after a bulk load also write the hint bits
    raw = best_seconds(RAW_SQL)
    run = report_run(slug, raw, "raw aggregate query over the bare table (one rule)")
    _history.figure("raw aggregate query (one rule, bare table)", raw)
    _history.figure("esrs-1 run", run)
    _history.figure("run / raw query", run / raw, "x")
    breakdown(slug)


def breakdown(slug: str) -> None:
    """Time the run's parts in this process: the statistics query, scoring with sensitivity, the matrices."""
    from materiality import aggregation, esrs_aggregation, matrix  # noqa: F401  (matrix loaded before timing)
    from materiality.models import Assessment

    assessment = Assessment.objects.get(slug=slug)
    codes = list(assessment.library.topics.order_by("position").values_list("code", flat=True))
    params = esrs_aggregation.esrs_params(assessment)
    started = time.perf_counter()
    stats = esrs_aggregation.rating_statistics(assessment.pk)
    query = time.perf_counter() - started
    register = esrs_aggregation.register_frame(assessment, codes)
    started = time.perf_counter()
    iros, topics = esrs_scoring.score(stats, register, params, codes)
    esrs_scoring.sensitivity(stats, register, params, topics)
    pure = time.perf_counter() - started
    started = time.perf_counter()
    aggregation.matrix_images(topics, list(assessment.library.topics.order_by("position")), params,
                              esrs_scoring.iro_positions(iros, topics))  # both figures, as the job draws them
    drawn = time.perf_counter() - started
    print(f"  parts: statistics query {query:.2f} s, scoring + sensitivity {pure:.2f} s, "
          f"matrix in two languages, alone and with the IROs {drawn:.2f} s")
    _history.figure("statistics query of the job (three rules)", query)
    _history.figure("scoring + sensitivity", pure)
    _history.figure("matrix, two languages", drawn)

if __name__ == "__main__":
    main()
