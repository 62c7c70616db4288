"""`make demo` loads two scored cycles; loading again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from materiality.models import Assessment, ScoreRun
from surveys.models import Response


@pytest.mark.django_db(transaction=True)
def test_demo_loads_two_scored_cycles_once(capsys):
    call_command("load_demo")
    assert "workteam" in capsys.readouterr().out
    current = Assessment.objects.get(slug="dma-2024")
    assert current.previous.slug == "dma-2023"
    run = ScoreRun.objects.get(assessment=current)
    assert run.status == ScoreRun.Status.SUCCEEDED
    classes = {c: run.topic_scores.filter(classification=c).count() for c in ("major", "important", "general")}
    assert classes == {"major": 2, "important": 20, "general": 2}  # as published in CALB's 2024 report
    groups = set(Response.objects.filter(assessment=current, status="submitted").values_list("group__code", flat=True))
    assert len(groups) == 9
    assert Response.objects.filter(assessment=current, source="web", status="draft").exists()

    counts = (Response.objects.count(), ScoreRun.objects.count())
    call_command("load_demo")
    assert (Response.objects.count(), ScoreRun.objects.count()) == counts
