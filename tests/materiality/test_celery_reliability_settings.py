"""The Celery settings a killed worker relies on, as the app itself reads them (not only as settings.py says)."""

from __future__ import annotations

from materiality.celery import app
from materiality.tasks import run_aggregation_task


def test_messages_are_acked_after_the_task_and_requeued_when_its_process_dies():
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert run_aggregation_task.acks_late and run_aggregation_task.reject_on_worker_lost


def test_visibility_timeout_outlasts_the_longest_task_for_broker_and_result_backend():
    limit = app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > limit
    assert app.conf.result_backend_transport_options["visibility_timeout"] > limit
