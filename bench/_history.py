"""Fresh and lived-in databases for every bench: `--history N` (default 2) runs the bench twice and compares.

A customer's second year runs on a database that already holds last year's cycle (confirmed) and more; a bench
that only ever starts from an empty database misses what grows with those rows (stale planner statistics, counts
over every cycle, whole-table sorts). Each bench therefore runs in a child process twice: on a fresh database
(migrated, nothing else) and on one holding N earlier cycles of the same size, the first of them confirmed. Each
child prints its figures as `FIGURE<TAB>name<TAB>value<TAB>unit` lines; this module prints them side by side with
the ratio lived-in / fresh and the load average at each run.

The earlier cycles are written in set-based SQL (one INSERT ... SELECT over generate_series for the responses, one
for their ratings), so 2 x 100,000 respondents take seconds, not an import each; the lived-in database is kept and
reused while its size matches (dma_<name>_h<N>x<size>), the fresh one is copied from a migrated template each run.

    .venv/bin/python bench/_history.py build N SIZE   # (child) add N cycles of SIZE respondents to DATABASE_URL
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CHILD = "BENCH_HISTORY_CHILD"
CUSTOMER_SIZE = 100_000  # earlier cycles' respondents for the benches that have no respondent count of their own
FIGURE = "FIGURE"


def figure(name: str, value: float, unit: str = "s") -> None:
    """Print one figure of a bench for the comparison (a plain line when the bench runs on its own)."""
    print(f"{FIGURE}\t{name}\t{value:.6g}\t{unit}", flush=True)


def history_argument(argv: list[str]) -> tuple[int, list[str]]:
    """Take `--history N` (default 2) out of the arguments: the bench itself never sees it."""
    rest, cycles, i = [], 2, 0
    while i < len(argv):
        if argv[i] == "--history" and i + 1 < len(argv):
            cycles, i = int(argv[i + 1]), i + 2
        elif argv[i].startswith("--history="):
            cycles, i = int(argv[i].split("=", 1)[1]), i + 1
        else:
            rest.append(argv[i])
            i += 1
    return cycles, rest


def orchestrate(script: str, size: int) -> bool:
    """In the bench's own process: run it fresh and lived-in, print the comparison; return False in a child.

    The child (or `--history 0`) runs the bench itself on DATABASE_URL, its argv without --history.
    """
    cycles, rest = history_argument(sys.argv[1:])
    sys.argv[1:] = rest
    if os.environ.get(CHILD) or cycles == 0:
        return False
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (e.g. postgres://postgres@127.0.0.1:5432/dma_perf).")
    base = urlsplit(url).path.lstrip("/")
    template = ensure_template(url, f"{base}_tpl")
    fresh = recreate(url, f"{base}_fresh", template)
    lived = f"{base}_h{cycles}x{size}"
    if not database_exists(url, lived):
        recreate(url, lived, template)
    lived_url = with_database(url, lived)
    started = time.perf_counter()
    # A reused lived-in database gets the migrations added since it was built, as a customer's would.
    run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], lived_url, echo=True)
    built = run([sys.executable, __file__, "build", str(cycles), str(size)], lived_url, echo=True)
    print(f"history: {lived} holds {cycles} earlier cycles of {size:,} respondents, one confirmed "
          f"({built.strip().splitlines()[-1] if built.strip() else 'ready'}; {time.perf_counter() - started:.1f} s)")
    results = {}
    for label, target in (("fresh", with_database(url, fresh)), ("lived-in", lived_url)):
        load = os.getloadavg()
        print(f"\n=== {label} database ({urlsplit(target).path.lstrip('/')}), load average "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ===", flush=True)
        output = run([sys.executable, script, *rest], target, echo=True)
        results[label] = (parse_figures(output), os.getloadavg()[0])
    print_comparison(results, cycles, size)
    drop(url, fresh)
    return True


def print_comparison(results: dict[str, tuple[dict[str, tuple[float, str]], float]], cycles: int, size: int) -> None:
    fresh, fresh_load = results["fresh"]
    lived, lived_load = results["lived-in"]
    print(f"\nfresh vs lived-in ({cycles} earlier cycles of {size:,} respondents, one confirmed); "
          f"load average after each run {fresh_load:.2f} / {lived_load:.2f}, {os.cpu_count()} CPUs")
    print("| figure | fresh | lived-in | lived-in / fresh |\n| --- | --- | --- | --- |")
    for name, (value, unit) in fresh.items():
        other = lived.get(name)
        if other is None:
            continue
        ratio = f"{other[0] / value:.2f}x" if value else "-"
        print(f"| {name} | {value:.4g} {unit} | {other[0]:.4g} {unit} | {ratio} |")


def parse_figures(output: str) -> dict[str, tuple[float, str]]:
    found = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == FIGURE:
            found[parts[1]] = (float(parts[2]), parts[3])
    return found


def run(command: list[str], url: str, echo: bool) -> str:
    """Run a child on the database `url`; echo its output as it comes (figure lines stay out of sight)."""
    env = {"DJANGO_SETTINGS_MODULE": "materiality.settings", **os.environ, "DATABASE_URL": url, CHILD: "1",
           "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if echo and not line.startswith(FIGURE):
            print(line, end="", flush=True)
    if process.wait():
        sys.exit(f"{' '.join(command)} failed (exit {process.returncode})")
    return "".join(lines)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def database_exists(url: str, name: str) -> bool:
    with admin(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop(url: str, name: str) -> None:
    with admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate(url: str, name: str, template: str) -> str:
    """A new database copied from the migrated template (much faster than migrating again)."""
    with admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def ensure_template(url: str, name: str) -> str:
    """A database with every migration applied and the 2024 library loaded, the start of both runs."""
    with admin(url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], with_database(url, name), echo=True)
    run([sys.executable, "-c", "import django; django.setup(); from materiality import services; "
         "services.load_library('calb-2024')"], with_database(url, name), echo=True)
    return name


def build(cycles: int, size: int) -> None:
    """(Child) Make DATABASE_URL hold `cycles` earlier cycles of `size` respondents; the first one confirmed."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import bench_assessment
    from django.db import connection, transaction

    from surveys.imports import questionnaires_by_group

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_history (slug text PRIMARY KEY, respondents int)")
        cursor.execute("SELECT slug, respondents FROM bench_history")
        done = dict(cursor.fetchall())
    for i in range(1, cycles + 1):
        slug = f"bench-history-{i}"
        if done.get(slug) == size:
            continue
        with transaction.atomic():
            assessment = bench_assessment(slug)
            write_cycle(assessment, size, questionnaires_by_group(assessment))
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_history VALUES (%s, %s) ON CONFLICT (slug) DO UPDATE SET "
                               "respondents = excluded.respondents", [slug, size])
        print(f"  built {slug}: {size:,} respondents", flush=True)
    with connection.cursor() as cursor:
        # Last year's cycle is confirmed: the freeze triggers then do their full check on every write.
        cursor.execute("UPDATE materiality_assessment SET confirmed_at = now() WHERE slug = 'bench-history-1' "
                       "AND confirmed_at IS NULL")
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    print("history ready")


def write_cycle(assessment, size: int, questionnaires: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """The responses in one INSERT ... SELECT over generate_series, then their 24 ratings each in another."""
    from django.db import connection

    groups = list(assessment.group_weights.values_list("group__code", "group_id"))
    group_ids = [g for code, g in groups if code in questionnaires]
    questionnaire_ids = [questionnaires[code] for code, g in groups if code in questionnaires]
    scale = assessment.scale
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_response (questionnaire_id, assessment_id, group_id, respondent_key, status, source, "
            "language, started_at, updated_at, submitted_at, quality_flags) "
            "SELECT g.questionnaire_id, %s, g.group_id, 'h' || s, 'submitted', 'import', 'en', now(), now(), now(), "
            "'[]' FROM generate_series(0, %s - 1) s JOIN unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY "
            "AS g(group_id, questionnaire_id, k) ON g.k = s %% %s + 1 ORDER BY s",
            [assessment.pk, size, group_ids, questionnaire_ids, len(group_ids)],
        )
        cursor.execute(
            "INSERT INTO surveys_rating (response_id, topic_id, severity, likelihood, magnitude, financial_likelihood, "
            "horizon, comment, dont_know) "
            "SELECT r.id, t.id, 1 + (r.id * 7 + t.id * 3) %% %(scale)s, 1 + (r.id * 5 + t.id) %% %(scale)s, "
            "CASE WHEN q.asks_magnitude THEN 1 + (r.id + t.id * 11) %% %(scale)s END, "
            "CASE WHEN q.asks_financial_likelihood THEN 1 + (r.id * 3 + t.id * 5) %% %(scale)s END, "
            "CASE WHEN q.asks_horizon THEN (ARRAY['short', 'medium', 'long'])[1 + (r.id + t.id) %% 3] ELSE '' END, "
            "'', '[]' FROM surveys_response r JOIN surveys_questionnaire q ON q.id = r.questionnaire_id "
            "CROSS JOIN (SELECT id FROM materiality_topic WHERE library_id = %(library)s AND change_kind <> 'retired') t "
            "WHERE r.assessment_id = %(assessment)s ORDER BY r.id, t.id",
            {"scale": scale, "library": assessment.library_id, "assessment": assessment.pk},
        )


if __name__ == "__main__" and sys.argv[1:2] == ["build"]:
    build(int(sys.argv[2]), int(sys.argv[3]))
