"""A real Celery worker on the real Redis broker and the test database (PostgreSQL in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from materiality.celery import app


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
