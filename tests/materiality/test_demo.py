"""`make demo` shows the whole loop: a confirmed 2023 cycle and an open 2024 cycle scored with esrs-1 from its IRO
ratings, the survey's dma-1 scores beside them; loading again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from materiality import audit, confirmation, esrs_aggregation, raters, services
from materiality.iro_models import Iro, IroRating
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

    survey = esrs_aggregation.stakeholder_view(current)
    classes = survey["classification"].value_counts().to_dict()
    assert classes == {"major": 2, "important": 20, "general": 2}  # as published in CALB's 2024 report
    groups = set(Response.objects.filter(assessment=current, status="submitted").values_list("group__code", flat=True))
    assert len(groups) == 9
    assert Response.objects.filter(assessment=current, source="web", status="draft").exists()
    assert audit.verify().ok
    assert last.confirmed_pack.sha256 and {c["state"] for c in last.confirmed_pack.checks} == {"passed"}
    blocking = {c.key for c in confirmation.checks(current) if c.blocks}
    assert {"register", "questionnaires"} <= blocking  # the open cycle cannot be confirmed yet

    counts = (Response.objects.count(), ScoreRun.objects.count(), IroRating.objects.count())
    call_command("load_demo")
    assert (Response.objects.count(), ScoreRun.objects.count(), IroRating.objects.count()) == counts
    assert "/rate/" in capsys.readouterr().out  # a rater's link to try


@pytest.mark.django_db
def test_demo_scores_the_open_cycle_from_its_iros_with_the_survey_beside_them(capsys):
    call_command("load_demo")
    current = Assessment.objects.get(slug="dma-2024")
    run = services.latest_succeeded_run(current)
    assert current.method == run.method == "esrs-1"
    assert Iro.objects.filter(assessment=current).count() == run.iro_scores.count() == 70
    assert set(run.topic_scores.values_list("topic__code", flat=True)) == set(
        current.library.topics.exclude(change_kind="retired").values_list("code", flat=True))
    assert run.topic_scores.filter(is_new=True).count() == 4

    iro_view = dict(run.topic_scores.values_list("topic__code", "classification"))
    survey = esrs_aggregation.stakeholder_view(current)["classification"]
    differ = {c for c in iro_view if (iro_view[c] == "general") != (survey[c] == "general")}
    assert "S06" in differ  # the internal view rates the community programmes higher than the survey does

    by_rater, by_topic = raters.progress(current)
    assert all(t.raters >= 2 for t in by_topic) and len(by_topic) == 24
    states = {p.name: (p.rated, p.iros, p.assignment.status) for p in by_rater}
    assert sum(s == "submitted" for _r, _i, s in states.values()) == 6
    assert any(0 < rated < iros for rated, iros, _s in states.values())  # part-way
    assert any(rated == 0 for rated, _i, _s in states.values())  # not started
    assert IroRating.objects.filter(iro__assessment=current, submitted_at=None).exists()
