"""A real Celery worker in its own process (prefork: a parent and one child) against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from materiality.models import ScoreRun

ROOT = Path(__file__).resolve().parents[2]


def start_worker(**env: str) -> subprocess.Popen:
    """Start `celery worker` on this test's database and broker, with short score-run timings."""
    settings = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
        "SCORE_RUN_HEARTBEAT_SECONDS": "0.5", "SCORE_RUN_TAKEOVER_AFTER_SECONDS": "3", **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "materiality", "worker", "-P", "prefork", "-c", "1",
         "--without-mingle", "--without-gossip", "-l", "WARNING"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def stop(worker: subprocess.Popen) -> None:
    """Kill the worker's whole session (parent and children), whatever state it is in."""
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait(timeout=30)


def wait_until(predicate, seconds: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def wait_finished(run: ScoreRun, seconds: float = 180) -> ScoreRun:
    def finished() -> bool:
        run.refresh_from_db()
        return run.is_finished

    wait_until(finished, seconds, f"run {run.pk} to finish")
    return run
