"""A worker SIGKILLed mid-run (its child, or its parent): a new worker completes the run, identically."""

from __future__ import annotations

import os
import signal

import pytest

from materiality import services
from materiality.models import GroupScore, ScoreRun
from tests.integration.workers import children, start_worker, stop, wait_finished, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOPIC_FIELDS = ["topic_id", "impact", "financial", "combined", "impact_low", "impact_high", "financial_low",
                "financial_high", "classification", "rank", "is_borderline", "influence_period"]
GROUP_FIELDS = ["group_id", "topic_id", "impact", "financial", "impact_variance", "financial_variance"]


def results(run: ScoreRun) -> tuple:
    return (run.input_checksum, run.respondents,
            list(run.topic_scores.order_by("rank").values_list(*TOPIC_FIELDS)),
            list(GroupScore.objects.filter(run=run).order_by("group_id", "topic_id").values_list(*GROUP_FIELDS)))


def start_and_kill(assessment, victim: str) -> tuple[ScoreRun, object]:
    """Start a run on a fresh worker, SIGKILL its child or its parent as soon as the run is working."""
    worker = start_worker()
    try:
        wait_until(lambda: children(worker.pid), 60, "the worker's child")
        run = services.start_aggregation(assessment)
        wait_until(lambda: ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING).exists(), 60,
                   "the run to start")
        child = children(worker.pid)[0]
        if victim == "child":
            os.kill(child, signal.SIGKILL)
        else:
            os.kill(worker.pid, signal.SIGKILL)
            os.kill(child, signal.SIGKILL)  # an orphaned child that finished the run would prove nothing
    finally:
        if victim == "parent":
            worker.wait(timeout=30)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.RUNNING, "the run finished before the kill: make it bigger"
    if victim == "child":
        return run, worker
    return run, None


@pytest.mark.parametrize("victim", ["child", "parent"])
def test_a_new_worker_completes_a_run_whose_worker_was_killed(answered, victim):
    run, survivor = start_and_kill(answered, victim)
    worker = survivor or start_worker()  # after a child kill the parent forks a new child itself
    try:
        run = wait_finished(run)
        assert run.status == ScoreRun.Status.SUCCEEDED, run.error
        again = wait_finished(services.start_aggregation(answered))  # the same input, never interrupted
        assert again.pk != run.pk and again.status == ScoreRun.Status.SUCCEEDED, again.error
    finally:
        stop(worker)
    assert results(run) == results(again)
    assert run.topic_scores.count() == 24
