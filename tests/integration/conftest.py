"""A real Celery worker on the real Redis broker and the test database (PostgreSQL in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from materiality.celery import app
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def celery_worker(transactional_db: None, django_db_serialized_rollback: None) -> Iterator[object]:
    """Start a worker thread consuming from Redis; tests using it must be marked integration."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (a real Redis broker) to start a real worker")
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from an earlier run may reach this worker
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def answered(assessment):  # noqa: ANN001, ANN201 - an Assessment
    """An assessment with answers and the broker cleared, for a worker process of its own (tests/integration/workers)."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (a real Redis broker) for a real worker")
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=40)
    app.conf.task_always_eager = False
    app.control.purge()
    return assessment
