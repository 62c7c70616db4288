"""Bench: the rater's rating page with 60 IROs (issue 12 figure: under 150 ms server time on PostgreSQL, and the
same number of queries whatever the IRO count).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_perf .venv/bin/python bench/bench_rating_page.py [--repeat 21]
        [--history 2]

One assessment (slug bench-rate) gets 60 IROs on one topic and a rater assigned to it, half of them already rated;
a second rater has one IRO. Pages are served in-process (Django's test client, DEBUG off); times are wall
milliseconds of the whole request, p50 and max. --history N (bench/_history.py, default 2) runs it fresh and on a
database holding N earlier survey cycles of 100,000 respondents (one confirmed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import _history

if __name__ == "__main__" and _history.orchestrate(__file__, _history.CUSTOMER_SIZE):
    sys.exit(0)

os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="false", SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" * 9))
os.environ.setdefault("STATIC_ROOT", "/tmp/bench-rate-static")

from _common import bench_assessment, require_postgres  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from materiality import iro_ratings, iros, raters  # noqa: E402
from materiality.tables import read_csv  # noqa: E402
from stakeholders.models import Stakeholder, StakeholderGroup  # noqa: E402
from surveys import tokens  # noqa: E402

SLUG = "bench-rate"
HEADER = "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect"
KINDS = ["impact,negative,potential,yes", "impact,positive,actual,no", "risk,,,", "opportunity,,,"]


def link_for(assignment: object) -> str:
    """Issue a link directly (the bench sends no e-mail)."""
    token = tokens.make_token()
    assignment.tokens.create(token_hash=tokens.hash_token(token))  # type: ignore[attr-defined]
    return f"/rate/{token}/"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    require_postgres()
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves hashed names
    assessment = bench_assessment(SLUG)
    lines = [f"S07-X{n},S07,{KINDS[n % 4]},IRO number {n},第 {n} 项,Description {n},own,medium,," for n in range(60)]
    iros.import_iros(assessment, read_csv("\n".join([HEADER, "E01-I1,E01,impact,negative,actual,no,One,,,,,,",
                                                     *lines]).encode()))
    group = StakeholderGroup.objects.get(code="management")
    Stakeholder.objects.filter(email__endswith="@bench-rate.example").delete()
    urls = {}
    for name, code in (("1 IRO", "E01"), ("60 IROs", "S07")):
        contact = Stakeholder.objects.create(name=name, email=f"{code.lower()}@bench-rate.example", group=group)
        assignment = raters.assign_rater(assessment, list(assessment.library.topics.filter(code=code)),
                                         contact=contact)
        to_rate = raters.iros_to_rate(assignment)
        iro_ratings.save_ratings(assignment, {i: iro_ratings.Answer({c: 3 for c in i.criteria()}, (), "Because")
                                              for i in to_rate[: len(to_rate) // 2]})
        urls[name] = link_for(assignment)
    client = Client()
    print(f"rating page, {args.repeat} requests each (PostgreSQL, DEBUG off)")
    for name, url in urls.items():
        client.get(url)  # first visit marks the link opened; warm the templates
        queries: list[str] = []
        with connection.execute_wrapper(lambda run, sql, *rest, log=queries: log.append(sql) or run(sql, *rest)):
            client.get(url)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            page = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert page.status_code == 200
        print(f"  {name:8}  p50 {statistics.median(times):6.1f} ms  max {max(times):6.1f} ms  "
              f"queries {len(queries)}")
        _history.figure(f"{name}: p50", statistics.median(times), "ms")
        _history.figure(f"{name}: queries", len(queries), "queries")


if __name__ == "__main__":
    main()
