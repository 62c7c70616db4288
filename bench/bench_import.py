"""Bench: import_responses of N respondents x 24 topics on PostgreSQL against the write floor, fresh and lived-in.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_perf .venv/bin/python bench/bench_import.py [100000]
        [--repeat 3] [--once] [--history 2]

--history N (bench/_history.py; default 2, 0 = only DATABASE_URL itself) runs the whole bench on a fresh database
and on one holding N earlier cycles of the same size (one confirmed), and prints both with their ratio. Each round
starts from a checkpoint with the assessment's answers cleared, measures the write floor, then runs the whole import
command; the median of the rounds is the figure. The floor (issue 16) is a COPY of the same ratings already shaped
as rating rows (response id, topic id, the four values, horizon, comment) in key order into a table keyed by
(response id, topic id). --once skips the re-import (which replaces every answer). The assessment (slug
bench-import) and the bare table stay for bench_scoring.py --existing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _history

if __name__ == "__main__" and _history.orchestrate(__file__, int(next(
        (a for a in sys.argv[1:] if a.isdigit()), 100_000))):
    sys.exit(0)

from _common import bench_assessment, copy_into_bare_table, require_postgres, run_command, write_csv  # noqa: E402
from django.db import connection  # noqa: E402

FLOOR_TABLE = "bench_floor_ratings"


def clear_answers(slug: str) -> None:
    """Delete the assessment's responses and ratings, vacuum, and checkpoint: each round starts alike."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM surveys_rating WHERE response_id IN (SELECT r.id FROM surveys_response r "
                       "JOIN materiality_assessment a ON a.id = r.assessment_id WHERE a.slug = %s)", [slug])
        cursor.execute("DELETE FROM surveys_response WHERE assessment_id IN "
                       "(SELECT id FROM materiality_assessment WHERE slug = %s)", [slug])
        cursor.execute("VACUUM (ANALYZE) surveys_rating, surveys_response")
        cursor.execute("CHECKPOINT")


def shaped_file(directory: Path) -> Path:
    """Write the bare table's lines as rating rows (numbered respondents, topic ids) in key order, for the floor."""
    path = directory / "shaped.csv"
    with connection.cursor() as cursor, path.open("wb") as out, cursor.copy(
            "COPY (SELECT dense_rank() OVER (ORDER BY b.respondent) AS response_id, t.id, b.severity, b.likelihood, "
            "b.magnitude, b.financial_likelihood, coalesce(b.horizon, ''), coalesce(b.comment, '') "
            "FROM bench_bare_ratings b JOIN materiality_topic t ON t.code = b.topic "
            "JOIN materiality_issuelibrary l ON l.id = t.library_id AND l.year = 2024 ORDER BY 1, 2) "
            "TO STDOUT") as copy:
        for block in copy:
            out.write(block)
    return path


def copy_floor(path: Path) -> float:
    """COPY the shaped rating rows into a table keyed by (response id, topic id); return seconds."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (response_id bigint, topic_id bigint, severity smallint, "
                       "likelihood smallint, magnitude smallint, financial_likelihood smallint, horizon varchar(6), "
                       "comment text, PRIMARY KEY (response_id, topic_id))")
        cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        with path.open("rb") as stream, cursor.copy(f"COPY {FLOOR_TABLE} FROM STDIN") as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
    return elapsed


def main() -> None:
    require_postgres()
    parser = argparse.ArgumentParser()
    parser.add_argument("respondents", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--once", action="store_true", help="skip the re-import")
    args = parser.parse_args()
    assessment = bench_assessment("bench-import")
    imports, floors, ratios = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        started = time.perf_counter()
        rows = write_csv(path, args.respondents)
        print(f"file: {args.respondents} respondents, {rows} ratings, {path.stat().st_size / 1e6:.0f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")
        copy_into_bare_table(path)
        shaped = shaped_file(Path(tmp))
        for round_ in range(1, args.repeat + 1):
            clear_answers(assessment.slug)
            floors.append(copy_floor(shaped))
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
            seconds, peak_mb, out = run_command("import_responses", assessment.slug, str(path))
            imports.append(seconds)
            ratios.append(seconds / floors[-1])
            print(f"round {round_}: write floor (COPY of the shaped ratings into a keyed table) {floors[-1]:.2f} s; "
                  f"import_responses (whole command) {seconds:.2f} s, peak RSS {peak_mb} MB; ratio {ratios[-1]:.2f}x; "
                  f"load average {os.getloadavg()[0]:.2f}")
        print(f"  {out}")
        ratio = statistics.median(ratios)
        print(f"ratio import / write floor, median of {len(ratios)}: {ratio:.2f}x (target <= 2.5x)")
        _history.figure("write floor (COPY, keyed)", statistics.median(floors))
        _history.figure("import_responses", statistics.median(imports))
        _history.figure("import / floor", ratio, "x")
        if args.once:
            return
        seconds2, peak2, out2 = run_command("import_responses", assessment.slug, str(path))
        print(f"re-import of the same file (replaces every answer): {seconds2:.2f} s, peak RSS {peak2} MB; "
              f"{seconds2 / statistics.median(imports):.2f}x the first import (target <= 1.5x)")
        _history.figure("re-import", seconds2)
        _history.figure("re-import / import", seconds2 / statistics.median(imports), "x")


if __name__ == "__main__":
    main()
