"""Bench: the audit page's server time with 12 and with 100,000 entries (target: under 150 ms at 100,000).

    createdb -h 127.0.0.1 -U postgres dma_audit_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_audit_bench .venv/bin/python bench/bench_audit.py [12 100000]

For each size the bench empties the audit tables of its own database, writes that many entries (a realistic mix
of actions, hashed and chained as audit.record does, inserted in batches), runs one full verification (what
verify_audit does, and what the page did on every view before), adds 20 entries, then times the page in-process
with DEBUG off: the first view (which checks those 20), then the median and p90 of further views of the newest
page, a filtered page and the oldest page. The figure to compare is the ratio of each page at the largest size to
the same page at the smallest (the page should not depend on the size of the trail), and the page's CPU against
the home page's (a floor measured in the same run). Wall times move with the machine's load; CPU much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "materiality.settings")

import _history  # noqa: E402

if __name__ == "__main__" and _history.orchestrate(__file__, _history.CUSTOMER_SIZE):
    sys.exit(0)
os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="false", SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" * 9),
                  STATIC_ROOT=tempfile.mkdtemp(prefix="bench-audit-static-"))  # the manifest DEBUG off needs

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from materiality import audit, roles  # noqa: E402
from materiality.models import AuditCheck, AuditEntry  # noqa: E402
from materiality.views.audit_log import PER_PAGE  # noqa: E402

URL = "/audit/"
VIEWS = 15  # timed views of each page after the first; wall time moves with the machine's load, CPU much less


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (e.g. "
                 "postgres://postgres@127.0.0.1:5432/dma_audit_bench).")


def entry_values(i: int, user: User) -> dict[str, object]:
    """The i-th entry of a lived-in trail: topic edits with before/after, runs, comments, confirmations."""
    kind = i % 4
    if kind == 0:
        return {"action": "topic.edit", "object_type": "Topic", "object_repr": f"E{i % 24:02d} Climate topic {i}",
                "before": {"name_en": f"Climate topic {i - 4}", "position": i % 24, "pillar": "E"},
                "after": {"name_en": f"Climate topic {i}", "position": i % 24, "pillar": "E"}}
    if kind == 1:
        return {"action": "run.succeed", "object_type": "ScoreRun", "object_repr": f"DMA #{i}",
                "after": {"checksum": f"{i:064x}", "respondents": 187, "classes": {"major": 6, "general": 12}}}
    if kind == 2:
        return {"action": "comment.add", "object_type": "Comment", "object_repr": f"{user.username}: note {i}",
                "after": {"topic": "S09", "text": "Please check the supplier figures " * 3}}
    return {"action": "override.set", "object_type": "Topic", "object_repr": "G02 Anti-corruption",
            "before": None, "after": {"class": "major", "reason": "Committee view", "run": i}}


def fill(count: int, user: User) -> None:
    """Write `count` chained entries (hash version 2, as audit.record writes them) in batches."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {AuditEntry._meta.db_table}, {AuditCheck._meta.db_table}")
    prev, batch = audit.GENESIS, []
    start = timezone.now() - dt.timedelta(seconds=count)
    for i in range(1, count + 1):
        values = entry_values(i, user)
        entry = AuditEntry(pk=i, created_at=start + dt.timedelta(seconds=i), actor=user, actor_name=user.username,
                           object_id=str(i), assessment=None, assessment_name="", hash_version=audit.HASH_VERSION,
                           prev_hash=prev, **{"before": None, **values})
        entry.before, entry.after = audit._canonical(entry.before), audit._canonical(entry.after)
        entry.hash = prev = audit.computed_hash(audit._row(entry))  # type: ignore[assignment]
        batch.append(entry)
        if len(batch) == 5000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)
    with connection.cursor() as cursor:  # as autovacuum leaves a table that grew over the years
        cursor.execute(f"VACUUM ANALYZE {AuditEntry._meta.db_table}")


TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float:
    """Seconds of CPU the PostgreSQL backend serving this connection has used (user + system, from /proc)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def timed(client: Client, url: str) -> tuple[float, float, int]:
    """Return the request's wall milliseconds, its CPU milliseconds (Django + its PostgreSQL backend), queries."""
    database = backend_cpu()
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, secure=True)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}")
    count = len(queries)
    reset_queries()
    return elapsed * 1000, (cpu + backend_cpu() - database) * 1000, count


def measure(size: int, user: User, client: Client) -> dict[str, float]:
    fill(size, user)
    started = time.perf_counter()
    result, _ = audit.check_chain(full=True)
    full_ms = (time.perf_counter() - started) * 1000
    assert result.ok and result.checked == size, result
    for i in range(20):
        audit.record(user, "comment.add", after={"text": f"new {i}"})
    first, _, _ = timed(client, URL)
    last_page = (AuditEntry.objects.count() + PER_PAGE - 1) // PER_PAGE
    pages = {"floor: home page": "/", "newest page": URL,
             "filtered (action, user)": f"{URL}?action=topic&who={user.username}", "oldest page": f"{URL}?page={last_page}"}
    figures = {"full verification (verify_audit)": full_ms, "first view (checks 20 new entries)": first}
    print(f"\n{size:,} entries: full verification {full_ms:.0f} ms; first page view after 20 new entries "
          f"{first:.1f} ms")
    for name, url in pages.items():
        times, cpus, counts = zip(*(timed(client, url) for _ in range(VIEWS)), strict=True)
        median, p90 = statistics.median(times), sorted(times)[int(0.9 * (len(times) - 1))]
        figures[name] = median
        figures[f"{name}, CPU"] = statistics.median(cpus)
        print(f"  {name:<26} p50 {median:6.1f} ms   p90 {p90:6.1f} ms   CPU p50 {statistics.median(cpus):6.1f} ms "
              f"(Django + PostgreSQL)   queries {counts[0]}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[12, 100_000])
    args = parser.parse_args()
    require_postgres()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-committee")
    user.groups.add(Group.objects.get(name=roles.COMMITTEE))
    client = Client()
    client.force_login(user)
    client.get(URL, secure=True)  # compile the templates and load the catalogues before timing anything
    load = os.getloadavg()[0]
    print(f"bench_audit: PostgreSQL ({connection.settings_dict['NAME']}), {os.cpu_count()} CPUs, "
          f"load average {load:.1f}; {VIEWS} views per page, DEBUG off, in-process client")
    results = {size: measure(size, user, client) for size in args.sizes}
    smallest, largest = min(results), max(results)
    if smallest != largest:
        print(f"\nratio {largest:,} / {smallest:,} entries:")
        for name in results[largest]:
            print(f"  {name:<36} {results[largest][name] / results[smallest][name]:6.2f}x")
    floor = results[largest]["floor: home page, CPU"]
    print(f"\nCPU of the newest audit page against the home page in the same run (the floor): "
          f"{results[largest]['newest page, CPU'] / floor:.1f}x at {largest:,} entries, "
          f"{results[smallest]['newest page, CPU'] / results[smallest]['floor: home page, CPU']:.1f}x at {smallest:,}")
    newest = results[largest]["newest page"]
    for name, value in results[largest].items():
        _history.figure(f"{largest:,} entries: {name}", value, "ms")
    print(f"\ntarget: the page under 150 ms at {largest:,} entries: {'met' if newest < 150 else 'missed'} "
          f"({newest:.1f} ms p50)")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(os.environ["STATIC_ROOT"], ignore_errors=True)
