"""A message that finds its run running: it takes over a silent run, and waits (RunBusy) for a live one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from materiality import aggregation, runs
from materiality.models import ScoreRun
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def running(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=4)
    run = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    ScoreRun.objects.filter(pk=run.pk).update(status=ScoreRun.Status.RUNNING, started_at=timezone.now(),
                                              heartbeat_at=timezone.now(), stage="scoring", progress=35)
    return run


def test_a_run_with_a_live_heartbeat_is_not_taken_over(running):
    with pytest.raises(runs.RunBusy):
        aggregation.run_aggregation(running.pk, draw=False)
    running.refresh_from_db()
    assert running.status == ScoreRun.Status.RUNNING and not running.topic_scores.exists()


def test_a_silent_run_is_taken_over_and_completed(running):
    silent = timezone.now() - dt.timedelta(seconds=runs.TAKEOVER_AFTER_SECONDS + 1)
    ScoreRun.objects.filter(pk=running.pk).update(heartbeat_at=silent, started_at=silent)
    aggregation.run_aggregation(running.pk, draw=False)
    running.refresh_from_db()
    assert running.status == ScoreRun.Status.SUCCEEDED and running.topic_scores.count() == 24


def test_a_worker_that_lost_its_lease_cannot_write(running):
    lease = runs.claim(ScoreRun.objects.create(assessment=running.assessment, params=running.params).pk)
    ScoreRun.objects.filter(pk=lease.run_id).update(started_at=timezone.now())  # taken over meanwhile
    assert not runs.beat(lease)
    with pytest.raises(RuntimeError):
        aggregation.compute(lease, draw=False)
    assert not ScoreRun.objects.get(pk=lease.run_id).topic_scores.exists()

