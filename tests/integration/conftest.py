"""A real Celery worker on the real Redis broker and the test database (PostgreSQL in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from materiality.celery import app


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[object]:
    """Start a worker thread consuming from Redis; tests using it must be marked integration."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (a real Redis broker) to start a real worker")
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    # A queue of our own, so that a worker left by another run on the same Redis cannot take our tasks.
    queue = f"test-{os.getpid()}"
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING",
                          shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.task_default_queue = "celery"
