"""`make demo` shows the whole loop: a confirmed 2023 cycle and an open, scored 2024 cycle; loading again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from materiality import audit, confirmation, services
from materiality.models import Assessment, ScoreRun
from surveys.models import Response


@pytest.mark.django_db
def test_demo_loads_a_confirmed_and_an_open_cycle_once(capsys):
    call_command("load_demo")
    assert "workteam" in capsys.readouterr().out
    last, current = Assessment.objects.get(slug="dma-2023"), Assessment.objects.get(slug="dma-2024")
    assert last.is_confirmed and last.confirmed_by.username == "chair" and last.overrides.count() == 1
    assert last.register_entries.exists()
    assert not current.is_confirmed and current.previous == last and current.chair.username == "chair"

    run = services.latest_succeeded_run(current)
    classes = {c: run.topic_scores.filter(classification=c).count() for c in ("major", "important", "general")}
    assert classes == {"major": 2, "important": 20, "general": 2}  # as published in CALB's 2024 report
    assert run.topic_scores.exclude(previous_combined=None).exists() and run.topic_scores.filter(is_new=True).count() == 4
    groups = set(Response.objects.filter(assessment=current, status="submitted").values_list("group__code", flat=True))
    assert len(groups) == 9
    assert Response.objects.filter(assessment=current, source="web", status="draft").exists()
    assert audit.verify().ok
    assert last.confirmed_pack.sha256 and {c["state"] for c in last.confirmed_pack.checks} == {"passed"}
    blocking = {c.key for c in confirmation.checks(current) if c.blocks}
    assert {"register", "questionnaires"} <= blocking  # the open cycle cannot be confirmed yet

    counts = (Response.objects.count(), ScoreRun.objects.count())
    call_command("load_demo")
    assert (Response.objects.count(), ScoreRun.objects.count()) == counts
