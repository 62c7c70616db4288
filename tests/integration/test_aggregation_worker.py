"""End to end through the broker: the scoring job queued by the service runs in a real worker."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django_celery_results.models import TaskResult

from materiality import services
from materiality.models import ScoreRun
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = [pytest.mark.integration]  # run apart from the rest: see the Makefile


def wait_for(run: ScoreRun, seconds: float = 60) -> ScoreRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (ScoreRun.Status.SUCCEEDED, ScoreRun.Status.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.pk} still {run.status} after {seconds} s")


def test_worker_runs_the_scoring_job_from_the_broker(celery_worker, assessment, work_team_user):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8)
    run = services.start_aggregation(assessment, started_by=work_team_user)
    assert run.status == ScoreRun.Status.QUEUED  # nothing ran in this process: the task went to Redis
    run = wait_for(run)
    assert run.status == ScoreRun.Status.SUCCEEDED, run.error
    assert run.topic_scores.count() == 24
    assert run.matrix_png
    # The worker also records generic task state in the database (django-celery-results).
    deadline = time.monotonic() + 10
    while not TaskResult.objects.filter(task_name="materiality.tasks.run_aggregation_task", status="SUCCESS").exists():
        assert time.monotonic() < deadline, list(TaskResult.objects.values_list("task_name", "status"))
        time.sleep(0.1)


def test_aggregate_command_waits_for_the_worker(celery_worker, assessment, capsys):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8)
    call_command("aggregate", assessment.slug)
    out = capsys.readouterr().out
    assert "succeeded" in out and out.count("\n") == 1
    assert ScoreRun.objects.get(assessment=assessment).status == ScoreRun.Status.SUCCEEDED
