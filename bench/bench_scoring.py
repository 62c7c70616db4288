"""Bench: the scoring job (claim -> stored results, intervals, sensitivity and matrix) against the raw aggregate query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_scoring .venv/bin/python bench/bench_scoring.py [100000 ...]

Each size: a synthetic CSV is imported into a fresh assessment, COPYed into a bare table for the raw query, then
`manage.py aggregate` runs in a child process (in-process Celery unless REDIS_URL is set). `--existing SLUG` scores
an assessment bench_import.py left behind (with its bare table) instead of importing again. The job's own
aggregate query is then timed alone in this process, and the rest of the run (drawing, sensitivity, saving) is
printed apart as its fixed cost. --history N (bench/_history.py, default 2) runs it all fresh and lived-in.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

import _history

if __name__ == "__main__" and _history.orchestrate(__file__, int(next(
        (a for a in sys.argv[1:] if a.isdigit()), 100_000))):
    sys.exit(0)

from _common import (  # noqa: E402
    bench_assessment,
    copy_into_bare_table,
    raw_aggregate_seconds,
    require_postgres,
    run_command,
    split_for_import,
    write_csv,
)

from surveys.responses_csv import COMMAND_LIMITS  # noqa: E402


def main() -> None:
    require_postgres()
    if sys.argv[1:2] == ["--existing"]:
        score(sys.argv[2])
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100_000]
    for respondents in sizes:
        slug = f"bench-score-{respondents}"
        assessment = bench_assessment(slug)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "answers.csv"
            rows = write_csv(path, respondents)
            copy_into_bare_table(path)
            files = [path] if rows <= COMMAND_LIMITS.rows else split_for_import(path, COMMAND_LIMITS.rows)
            started = time.perf_counter()
            for part in files:
                run_command("import_responses", assessment.slug, str(part))
            print(f"{respondents} respondents, {rows} ratings loaded in {time.perf_counter() - started:.1f} s"
                  f"{f' ({len(files)} files)' if len(files) > 1 else ''}")
        score(slug)


def score(slug: str) -> None:
    """Time the raw aggregate query over the bare table, then the aggregate command, and print the ratio."""
    for _ in range(2):
        run_command("aggregate", slug)  # warm: the first reads after a bulk load also write the hint bits
    raw = raw_aggregate_seconds()
    seconds, peak_mb, out = run_command("aggregate", slug)
    duration = float(re.search(r"succeeded in ([0-9.]+) s", out).group(1))
    print(f"  raw aggregate query over the bare table: {raw:.2f} s")
    print(f"  aggregate: {out}")
    print(f"  run duration {duration:.2f} s (whole command {seconds:.2f} s), peak RSS {peak_mb} MB")
    print(f"  ratio run / raw query: {duration / raw:.2f}x; target 2 x raw + 1 s = {2 * raw + 1:.2f} s -> "
          f"{'met' if duration <= 2 * raw + 1 else 'MISSED'}")
    query = job_query_seconds(slug)
    print(f"  the job's own aggregate query alone {query:.2f} s; fixed cost of the run (drawing, sensitivity, "
          f"saving, start) {duration - query:.2f} s; load average {os.getloadavg()[0]:.2f}")
    _history.figure("raw aggregate query (bare table)", raw)
    _history.figure("job's aggregate query", query)
    _history.figure("aggregate run", duration)
    _history.figure("fixed cost (run - job query)", duration - query)
    _history.figure("run / raw query", duration / raw, "x")
    parts(slug)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its reaped children (the matrix's second language draws in one)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def timed(work):  # noqa: ANN001, ANN201 - work: () -> T; returns (T, wall seconds, CPU seconds as above)
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = work()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def parts(slug: str) -> None:
    """Time the run's steps in this process, wall and CPU: the CPU seconds move far less with the machine's load.

    The same calls as materiality.aggregation.compute: the statistics query, scoring with its sensitivity and
    movement, the matrix in two languages as PNG and SVG. Saving is the run minus these.
    """
    from materiality import aggregation, matrix, scoring  # noqa: F401  (matrix loaded before timing, as the job does)
    from materiality.models import Assessment, Topic

    assessment = Assessment.objects.get(slug=slug)
    params = aggregation.scoring_params(assessment)
    topics = list(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).order_by("position", "code"))
    codes = [t.code for t in topics]
    groups = dict(aggregation.StakeholderGroup.objects.values_list("pk", "code"))
    raw, query_wall, query_cpu = timed(lambda: aggregation.rating_statistics(assessment.pk))
    stats, _horizons = aggregation.long_stats(raw, groups, dict(assessment.library.topics.values_list("pk", "code")))

    def score() -> object:
        scores = scoring.score(stats, params, codes)
        scoring.sensitivity(stats, params, scores)
        previous, lineage = aggregation.previous_scores(assessment)
        scoring.movement(scores, previous, lineage)
        return scores

    scores, pure_wall, pure_cpu = timed(score)
    _images, drawn_wall, drawn_cpu = timed(lambda: aggregation.matrix_images(scores, topics, params))
    print(f"  parts, wall / CPU (this process and its child): statistics query {query_wall:.2f} / {query_cpu:.2f} s, "
          f"scoring + sensitivity + movement {pure_wall:.2f} / {pure_cpu:.2f} s, matrix in two languages (PNG + SVG) "
          f"{drawn_wall:.2f} / {drawn_cpu:.2f} s; load average {os.getloadavg()[0]:.2f}")
    _history.figure("scoring + sensitivity, CPU", pure_cpu)
    _history.figure("matrix en + zh, PNG + SVG, CPU", drawn_cpu)
    _history.figure("matrix en + zh, PNG + SVG, wall", drawn_wall)


def job_query_seconds(slug: str, repeat: int = 3) -> float:
    """The run's own rating query (materiality.aggregation.rating_statistics) timed alone, best of `repeat`."""
    from django.db import transaction

    from materiality.aggregation import rating_statistics
    from materiality.models import Assessment

    pk = Assessment.objects.get(slug=slug).pk
    best = float("inf")
    for _ in range(repeat):
        with transaction.atomic():
            started = time.perf_counter()
            rating_statistics(pk)
            best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    main()
