"""Shared set-up for the scoring benches: Django on the DATABASE_URL, a bench assessment, a synthetic CSV."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "materiality.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from materiality import services, synthetic  # noqa: E402
from materiality.models import Assessment, AssessmentGroup, IssueLibrary, Topic  # noqa: E402
from stakeholders.models import StakeholderGroup  # noqa: E402
from surveys.models import Questionnaire  # noqa: E402

BARE_TABLE = "bench_bare_ratings"


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. postgres://postgres@127.0.0.1:5432/dma_scoring).")


def bench_assessment(slug: str) -> Assessment:
    """Return a fresh assessment (all groups, weight 1, library 2024) with the default questionnaires."""
    call_command("migrate", verbosity=0)
    services.load_library("calb-2024")
    Assessment.objects.filter(slug=slug).delete()
    now = timezone.now()
    assessment = Assessment.objects.create(slug=slug, name=slug, library=IssueLibrary.objects.get(year=2024),
                                           opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30))
    add_groups_and_questionnaires(assessment)
    return assessment


def add_groups_and_questionnaires(assessment: Assessment) -> None:
    """Give an assessment every group (weight 1) and two questionnaires: impact items, and all items for raters."""
    external = Questionnaire.objects.create(assessment=assessment, title_en="Survey", opens_at=assessment.opens_at,
                                            closes_at=assessment.closes_at)
    raters = Questionnaire.objects.create(assessment=assessment, title_en="Raters", opens_at=assessment.opens_at,
                                          closes_at=assessment.closes_at, asks_magnitude=True,
                                          asks_financial_likelihood=True, asks_horizon=True)
    for group in StakeholderGroup.objects.all():
        AssessmentGroup.objects.create(assessment=assessment, group=group, weight=1.0)
        (raters if group.is_rater else external).groups.add(group)


def write_csv(path: Path, respondents: int, seed: int = 2024) -> int:
    """Write a synthetic response file for about this many respondents (spread over the 9 groups)."""
    topics = list(Topic.objects.filter(library__year=2024).order_by("position").values_list("code", flat=True))
    groups = [synthetic.GroupSpec(g.code, g.is_rater, tuple(g.needs_topics)) for g in StakeholderGroup.objects.all()]
    per_group = {g.code: respondents // len(groups) + (1 if i < respondents % len(groups) else 0)
                 for i, g in enumerate(groups)}
    with path.open("w", encoding="utf-8", newline="") as stream:
        return synthetic.write_csv(stream, synthetic.responses(topics, groups, per_group, seed=seed))


def split_for_import(path: Path, max_lines: int, room: int = 1000) -> list[Path]:
    """Cut a response file into parts of at most `max_lines` answer lines, each respondent whole in one part.

    import_responses reads at most responses_csv.COMMAND_LIMITS.rows lines a file (5,000,000): a million
    respondents (24 M lines) go in as five files, as a customer would have to send them. A part is closed at the
    first new respondent once it holds `max_lines - room` lines (a respondent has far fewer than `room`).
    """
    parts: list[Path] = []
    out, lines, last = None, 0, b""
    with path.open("rb") as source:
        header = source.readline()
        for line in source:
            respondent = line.split(b",", 1)[0]
            if out is None or (respondent != last and lines >= max_lines - room):
                if out is not None:
                    out.close()
                parts.append(path.with_name(f"{path.stem}-part{len(parts) + 1}{path.suffix}"))
                out, lines = parts[-1].open("wb"), 0
                out.write(header)
            out.write(line)
            lines, last = lines + 1, respondent
    if out is not None:
        out.close()
    return parts


def copy_into_bare_table(path: Path) -> float:
    """COPY the CSV into a bare table (no keys, no indexes): the physical baseline of an import. Return seconds."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(f"CREATE TABLE {BARE_TABLE} (respondent text, grp text, topic text, severity smallint, "
                       "likelihood smallint, magnitude smallint, financial_likelihood smallint, horizon text, "
                       "comment text)")
        connection.commit() if not connection.get_autocommit() else None
        started = time.perf_counter()
        with path.open("rb") as stream, cursor.copy(f"COPY {BARE_TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - started
        cursor.execute(f"ANALYZE {BARE_TABLE}")
    return elapsed


def raw_aggregate_seconds(repeat: int = 3) -> float:
    """The per-group counts, sums and sums of squares of the per-response values over the bare table (best of n)."""
    sql = (f"SELECT grp, topic, count(severity), sum(sqrt(severity * coalesce(likelihood, severity))), "
           "sum(severity * coalesce(likelihood, severity)), count(magnitude), "
           "sum(sqrt(magnitude * coalesce(financial_likelihood, magnitude))), "
           f"sum(magnitude * coalesce(financial_likelihood, magnitude)) FROM {BARE_TABLE} GROUP BY grp, topic")
    return best_seconds(sql, repeat)


def best_seconds(sql: str, repeat: int = 3) -> float:
    """Run a query `repeat` times and return the fastest wall time (the least disturbed by other sessions)."""
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            best = min(best, time.perf_counter() - started)
    return best


def report_run(slug: str, raw: float, label: str = "raw aggregate query over the bare table") -> float:
    """Run `manage.py aggregate SLUG` once more, print its duration against the raw query's and the target; return it."""
    seconds, peak_mb, out = run_command("aggregate", slug)
    duration = float(re.search(r"succeeded in ([0-9.]+) s", out).group(1))
    print(f"  {label}: {raw:.2f} s")
    print(f"  aggregate: {out}")
    print(f"  run duration {duration:.2f} s (whole command {seconds:.2f} s), peak RSS {peak_mb} MB")
    print(f"  ratio run / raw query: {duration / raw:.2f}x; target 2 x raw + 1 s = {2 * raw + 1:.2f} s -> "
          f"{'met' if duration <= 2 * raw + 1 else 'MISSED'}")
    return duration


def run_command(*args: str) -> tuple[float, int, str]:
    """Run a manage.py command in a child process; return (wall seconds, peak RSS MB of that child, stdout).

    The peak comes from /usr/bin/time (the command's own maximum resident set): getrusage(RUSAGE_CHILDREN) would
    also count the bench's own pages that the child holds between fork and exec.
    """
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "PEAK_KB %M", sys.executable, str(ROOT / "manage.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    peak_kb = int(re.findall(r"PEAK_KB (\d+)", done.stderr)[-1])
    return elapsed, peak_kb // 1024, done.stdout.strip()
