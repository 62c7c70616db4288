"""Bench: `report_chapter` for a confirmed 60-topic assessment (target: DOCX under 3 s), both languages and formats.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_chapter_bench .venv/bin/python bench/bench_chapter.py [--repeat 3]
        [--history 2]

Sets up (untimed) a library of 60 topics (the CALB 2024 topics repeated with suffixed codes, 10 of them with a
change since last year), 9 groups answering 150 synthetic questionnaires, a scored run with its matrix, one
committee override, the step-3 register prefilled, and confirmation. Then times the whole command in this process
(gathering, DOCX or HTML, writing the file): best and mean wall seconds of --repeat runs each.
--history N (bench/_history.py, default 2) runs it fresh and on a database holding N earlier survey cycles of
100,000 respondents (one confirmed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _history

if __name__ == "__main__" and _history.orchestrate(__file__, _history.CUSTOMER_SIZE):
    sys.exit(0)

from _common import add_groups_and_questionnaires, call_command, services, synthetic, timezone  # noqa: E402  (sets Django up)
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402

from materiality import aggregation, freeze, roles
from materiality.models import Assessment, IssueLibrary, Topic
from stakeholders.models import StakeholderGroup
from surveys import imports

SLUG = "bench-chapter"
YEAR = 2090


def setup(topic_count: int) -> Assessment:
    call_command("migrate", verbosity=0)
    services.load_library("calb-2024")
    freeze.uninstall(connection)  # the last run's confirmed assessment refuses deletion otherwise
    try:
        Assessment.objects.filter(slug=SLUG).delete()
        IssueLibrary.objects.filter(year=YEAR).delete()
    finally:
        freeze.install(connection)
    source = list(IssueLibrary.objects.get(year=2024).topics.order_by("position"))
    library = IssueLibrary.objects.create(year=YEAR, name="Bench library")
    for i in range(topic_count):
        t = source[i % len(source)]
        suffix = "" if i < len(source) else "abcdefgh"[i // len(source)]
        Topic.objects.create(library=library, code=t.code + suffix, pillar=t.pillar, name_en=t.name_en + suffix,
                             name_zh=t.name_zh + suffix, position=i,
                             change_kind="new" if i % 6 == 0 else "unchanged")
    now = timezone.now()
    assessment = Assessment.objects.create(slug=SLUG, name="Bench chapter", library=library,
                                           opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1))
    add_groups_and_questionnaires(assessment)
    groups = list(StakeholderGroup.objects.all())
    codes = list(library.topics.values_list("code", flat=True))
    specs = [synthetic.GroupSpec(g.code, g.is_rater, tuple(g.needs_topics)) for g in groups]
    answers = synthetic.to_csv_bytes(synthetic.responses(codes, specs, {g.code: 150 // len(groups) for g in groups},
                                                         seed=60, prefix="bench"))
    imports.import_responses(assessment, answers, "bench.csv")
    run = services.start_aggregation(assessment)
    aggregation.run_aggregation(run.pk, draw=True)
    run.refresh_from_db()
    chair = User.objects.filter(username="bench-chair").first() or User.objects.create_user("bench-chair")
    chair.groups.add(*roles_groups())
    general = run.topic_scores.filter(classification="general").select_related("topic").first()
    if general:
        services.override_class(run, general.topic, "important", reason="Bench override", acting_user=chair)
    services.prefill_register(assessment, acting_user=chair)
    services.confirm_assessment(assessment, acting_user=chair)
    return assessment


def roles_groups() -> list[Group]:
    return list(Group.objects.filter(name__in=[roles.COMMITTEE, roles.CHAIR]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--topics", type=int, default=60)
    options = parser.parse_args()
    assessment = setup(options.topics)
    print(f"{assessment.library.topics.count()} topics, {assessment.register_entries.count()} step-3 rows, "
          f"confirmed {assessment.is_confirmed}")
    out = Path(tempfile.mkdtemp())
    worst_docx = 0.0
    for language in ("en", "zh-hans"):
        for fmt in ("docx", "html"):
            times = []
            target = out / f"chapter-{language}.{fmt}"
            for _ in range(options.repeat):
                started = time.perf_counter()
                call_command("report_chapter", SLUG, "--language", language, "--output", str(target))
                times.append(time.perf_counter() - started)
            if fmt == "docx":
                worst_docx = max(worst_docx, min(times))
            _history.figure(f"report_chapter {language} {fmt}, best", min(times))
            print(f"{language:8} {fmt:5} best {min(times):.2f} s, mean {statistics.mean(times):.2f} s, "
                  f"{target.stat().st_size // 1024} KiB")
    print(f"DOCX target < 3 s: {'met' if worst_docx < 3 else 'NOT met'} (best of the slower language "
          f"{worst_docx:.2f} s)")
    sys.exit(0 if worst_docx < 3 else 1)


if __name__ == "__main__":
    main()
