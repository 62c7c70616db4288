"""Bench: import_responses of N respondents x 24 topics on PostgreSQL against a plain COPY of the same CSV.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_scoring .venv/bin/python bench/bench_import.py [100000]
        [--repeat 3] [--once]

Each round starts from a checkpoint with the assessment's answers cleared, COPYs the file into a bare table, then
runs the whole import command; the median ratio of the rounds is the figure. --once skips the final re-import
(which replaces every answer). The assessment (slug bench-import) and the bare table stay for
bench_scoring.py --existing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import bench_assessment, copy_into_bare_table, require_postgres, run_command, write_csv
from django.db import connection


def clear_answers(slug: str) -> None:
    """Delete the assessment's responses and ratings, vacuum, and checkpoint: each round starts alike."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM surveys_rating WHERE response_id IN (SELECT r.id FROM surveys_response r "
                       "JOIN materiality_assessment a ON a.id = r.assessment_id WHERE a.slug = %s)", [slug])
        cursor.execute("DELETE FROM surveys_response WHERE assessment_id IN "
                       "(SELECT id FROM materiality_assessment WHERE slug = %s)", [slug])
        cursor.execute("VACUUM (ANALYZE) surveys_rating, surveys_response")
        cursor.execute("CHECKPOINT")


def main() -> None:
    require_postgres()
    parser = argparse.ArgumentParser()
    parser.add_argument("respondents", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--once", action="store_true", help="skip the re-import")
    args = parser.parse_args()
    assessment = bench_assessment("bench-import")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        started = time.perf_counter()
        rows = write_csv(path, args.respondents)
        print(f"file: {args.respondents} respondents, {rows} ratings, {path.stat().st_size / 1e6:.0f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")
        for round_ in range(1, args.repeat + 1):
            clear_answers(assessment.slug)
            copy_seconds = copy_into_bare_table(path)
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
            seconds, peak_mb, out = run_command("import_responses", assessment.slug, str(path))
            ratios.append(seconds / copy_seconds)
            print(f"round {round_}: plain COPY into a bare table {copy_seconds:.2f} s; import_responses (whole "
                  f"command) {seconds:.2f} s, peak RSS {peak_mb} MB; ratio {ratios[-1]:.2f}x")
        print(f"  {out}")
        print(f"ratio import / COPY, median of {len(ratios)}: {statistics.median(ratios):.2f}x (target <= 5x)")
        if args.once:
            return
        seconds2, peak2, out2 = run_command("import_responses", assessment.slug, str(path))
        print(f"re-import of the same file (replaces every answer): {seconds2:.2f} s, peak RSS {peak2} MB")


if __name__ == "__main__":
    main()
