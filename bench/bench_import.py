"""Bench: import_responses of N respondents x 24 topics on PostgreSQL against a plain COPY of the same CSV.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_scoring .venv/bin/python bench/bench_import.py [100000] [--once]

--once skips the re-import. The assessment (slug bench-import) and the bare table stay for bench_scoring.py --existing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import bench_assessment, copy_into_bare_table, require_postgres, run_command, write_csv


def main() -> None:
    require_postgres()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    respondents = int(args[0]) if args else 100_000
    assessment = bench_assessment("bench-import")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        started = time.perf_counter()
        rows = write_csv(path, respondents)
        print(f"file: {respondents} respondents, {rows} ratings, {path.stat().st_size / 1e6:.0f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")
        copy_seconds = copy_into_bare_table(path)
        print(f"plain COPY into a bare table: {copy_seconds:.2f} s")
        seconds, peak_mb, out = run_command("import_responses", assessment.slug, str(path))
        print(f"import_responses (whole command): {seconds:.2f} s, peak RSS {peak_mb} MB")
        print(f"  {out}")
        print(f"ratio import / COPY: {seconds / copy_seconds:.2f}x (target <= 5x)")
        if "--once" in sys.argv:
            return
        seconds2, peak2, out2 = run_command("import_responses", assessment.slug, str(path))
        print(f"re-import of the same file (replaces every answer): {seconds2:.2f} s, peak RSS {peak2} MB")


if __name__ == "__main__":
    main()
