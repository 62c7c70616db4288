"""Bench: every staff page's p50 and query count, on a fresh database (one cycle) and a lived-in one (N + 1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_perf .venv/bin/python bench/bench_pages.py [100000]
        [--repeat 9] [--history 2]

The measured cycle (slug bench-pages) gets SIZE submitted respondents (set-based SQL, as bench/_history.py writes
the earlier cycles) and one score run; --history N adds N earlier cycles of the same size, the first confirmed
(issue 16: the pages must answer alike, with the same queries, whatever the other cycles hold). Pages are served
in-process (Django's test client, DEBUG off) to a superuser; times are wall milliseconds of the whole request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import _history

if __name__ == "__main__" and _history.orchestrate(__file__, int(next(
        (a for a in sys.argv[1:] if a.isdigit()), 100_000))):
    sys.exit(0)

os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="false", SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" * 9))
os.environ.setdefault("STATIC_ROOT", "/tmp/bench-pages-static")

from _common import bench_assessment, require_postgres, run_command  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from surveys.imports import questionnaires_by_group  # noqa: E402

SLUG = "bench-pages"


def pages(assessment_id: int) -> dict[str, str]:
    base = f"/assessments/{SLUG}"
    return {
        "assessment list": "/assessments/",
        "assessment detail": f"{base}/",
        "invitations": f"{base}/invitations/",
        "tracking": f"{base}/responses/",
        "tracking, live numbers": f"{base}/responses/live/",
        "response detail": None,  # filled in below: the newest response of the cycle
        "admin: responses": "/admin/surveys/response/",
        "admin: responses of the cycle": f"/admin/surveys/response/?assessment__id__exact={assessment_id}",
        "results": f"{base}/results/",
        "committee": f"{base}/committee/",
        "register": f"{base}/register/",
        "audit": "/audit/",
        "export (csv)": f"{base}/export.csv",
        "API: assessments": "/api/assessments/",
        "API: assessment": f"/api/assessments/{SLUG}/",
    }


def prepare(size: int) -> tuple[int, int]:
    """The measured cycle: SIZE submitted respondents and a succeeded score run (kept between runs)."""
    from _history import write_cycle

    from surveys.models import Response

    existing = Response.objects.filter(assessment__slug=SLUG)
    if existing.count() != size:
        assessment = bench_assessment(SLUG)
        write_cycle(assessment, size, questionnaires_by_group(assessment))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) surveys_response, surveys_rating")
        run_command("aggregate", SLUG)
    response = Response.objects.filter(assessment__slug=SLUG).order_by("-pk").values_list("pk", "assessment_id")[0]
    return response


def timed(client: Client, url: str) -> tuple[float, int]:
    """Wall milliseconds and statements of one request (counted as they run: DEBUG is off, nothing is logged)."""
    statements = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}")
    return elapsed * 1000, len(statements)


def main() -> None:
    require_postgres()
    parser = argparse.ArgumentParser()
    parser.add_argument("respondents", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    response_id, assessment_id = prepare(args.respondents)
    user = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench@example.com", "x")
    client = Client()
    client.force_login(user)
    urls = pages(assessment_id)
    urls["response detail"] = f"/assessments/{SLUG}/responses/{response_id}/"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM materiality_assessment")
        cycles = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM surveys_response")
        responses = cursor.fetchone()[0]
    load = os.getloadavg()
    print(f"bench_pages: {cycles} cycles, {responses:,} responses in the database; {args.repeat} views per page; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'page':<32} {'p50 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, url in urls.items():
        timed(client, url)  # warm: templates, catalogues, caches
        times, counts = [], set()
        for _ in range(args.repeat):
            ms, count = timed(client, url)
            times.append(ms)
            counts.add(count)
        p50 = statistics.median(times)
        print(f"{name:<32} {p50:8.1f} {max(times):8.1f} {'/'.join(map(str, sorted(counts))):>8}")
        _history.figure(f"{name}: p50", p50, "ms")
        _history.figure(f"{name}: queries", max(counts), "queries")


if __name__ == "__main__":
    main()
