"""The beat watchdog fails a run whose worker died unseen; the page and `aggregate` give the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from materiality import aggregation, runs, tasks
from materiality.management.commands.aggregate import Command
from materiality.models import ScoreRun
from tests.conftest import client_for
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def dead(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=4)
    run = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    last = timezone.now() - dt.timedelta(seconds=runs.FAIL_AFTER_SECONDS + 1)
    ScoreRun.objects.filter(pk=run.pk).update(status=ScoreRun.Status.RUNNING, started_at=last, heartbeat_at=last)
    return run


def test_the_watchdog_fails_silent_runs_only(dead):
    alive = ScoreRun.objects.create(assessment=dead.assessment, params=dead.params, status=ScoreRun.Status.RUNNING,
                                    heartbeat_at=timezone.now())
    assert tasks.fail_stale_runs_task() == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ScoreRun.Status.FAILED and "worker stopped" in dead.error
    assert alive.status == ScoreRun.Status.RUNNING


def test_the_watchdog_runs_every_few_seconds_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["score-run-watchdog"]
    assert entry["task"] == "materiality.tasks.fail_stale_runs_task"
    assert runs.FAIL_AFTER_SECONDS + entry["schedule"] <= 120


@pytest.mark.parametrize(("language", "words"), [("en", "The worker stopped"), ("zh-hans", "工作进程")])
def test_the_results_page_gives_the_reason(dead, work_team_user, language, words):
    tasks.fail_stale_runs_task()
    page = client_for(work_team_user).get(reverse("materiality:results", args=[dead.assessment.slug]),
                                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page, page[page.find("alert-warning"):][:600]


def test_aggregate_reports_a_dead_run_instead_of_waiting(dead):
    finished = Command().wait(dead, timeout=600)
    assert finished.status == ScoreRun.Status.FAILED and "worker stopped" in finished.error


def test_a_queued_run_nobody_took_is_failed_by_the_next_start_with_its_own_reason(dead):
    from materiality import services

    long_ago = timezone.now() - dt.timedelta(seconds=runs.FAIL_AFTER_SECONDS + 1)
    ScoreRun.objects.filter(pk=dead.pk).update(status=ScoreRun.Status.QUEUED, heartbeat_at=None, started_at=None,
                                               created_at=long_ago)
    services.start_aggregation(dead.assessment)
    dead.refresh_from_db()
    assert dead.status == ScoreRun.Status.FAILED and "No worker took this queued run" in dead.error
