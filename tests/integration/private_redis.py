"""A private redis-server the app publishes to, which a test stops and starts again (never the shared one)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from materiality.celery import app

PORT = 6391  # this stream's private port range is 6391-6395


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port, self.process = port, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        reset_pools()

    def queued(self) -> int:
        """How many messages wait in the default queue."""
        out = subprocess.run(["redis-cli", "-p", str(self.port), "llen", "celery"], capture_output=True, text=True)
        return int(out.stdout.strip())


def reset_pools() -> None:
    """Drop the cached connection and producer pools, so the next publish connects to the current broker_url."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(transactional_db: None, django_db_serialized_rollback: None) -> Iterator[PrivateRedis]:
    """Point the app's broker at a private redis-server (running at the start); restore everything after."""
    redis = PrivateRedis(PORT)
    redis.start()
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = f"redis://127.0.0.1:{PORT}/0", False
    reset_pools()
    try:
        yield redis
    finally:
        redis.stop()
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_pools()
