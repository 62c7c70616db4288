"""A score run's life: one atomic start, a lease held by a heartbeat, takeover of a dead lease, the watchdog.

The lease is the run's started_at: whoever claimed the run last wrote it, and every later write of the job
(heartbeat, result, failure) is conditional on it, so a worker that lost its lease cannot overwrite the new one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from materiality.models import Assessment, ScoreRun

HEARTBEAT_SECONDS = getattr(settings, "SCORE_RUN_HEARTBEAT_SECONDS", 5)
# A message may take a run over once its heartbeat is this old: several missed beats, so never a live worker.
TAKEOVER_AFTER_SECONDS = getattr(settings, "SCORE_RUN_TAKEOVER_AFTER_SECONDS", 30)
# The watchdog (every 15 s) fails a run whose heartbeat is this old: within 2 minutes of its last sign of life.
FAIL_AFTER_SECONDS = getattr(settings, "SCORE_RUN_FAIL_AFTER_SECONDS", 100)

WORKER_LOST = gettext_lazy("The worker stopped during the run (no sign of life for %(seconds)d seconds) and no "
                           "other worker took it over. Start the run again.")
NEVER_TAKEN = gettext_lazy("No worker took this queued run for %(seconds)d seconds. Check that a worker is "
                           "running, then start the run again.")
ACTIVE = [ScoreRun.Status.QUEUED, ScoreRun.Status.RUNNING]


class Lease:
    """Proof of a claim: the run id and the started_at the claim wrote."""

    def __init__(self, run_id: int, started_at: dt.datetime) -> None:
        self.run_id, self.started_at = run_id, started_at

    def rows(self):  # noqa: ANN201 - a QuerySet of the one run, only while this lease holds it
        return ScoreRun.objects.filter(pk=self.run_id, status=ScoreRun.Status.RUNNING, started_at=self.started_at)


class RunBusy(Exception):
    """The run is running under a lease that is still alive: the message must wait and try again."""


def stale_before(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def claim(run_id: int) -> Lease | None:
    """Take a queued run, or a running one whose heartbeat is older than the takeover age; None if finished/gone.

    Raises RunBusy when a live worker holds the run (a duplicate or early redelivery: retry later).
    """
    now = timezone.now()
    dead = Q(status=ScoreRun.Status.RUNNING) & (
        Q(heartbeat_at__lt=stale_before(TAKEOVER_AFTER_SECONDS)) | Q(heartbeat_at=None))
    claimed = ScoreRun.objects.filter(Q(pk=run_id) & (Q(status=ScoreRun.Status.QUEUED) | dead)).update(
        status=ScoreRun.Status.RUNNING, started_at=now, heartbeat_at=now, stage="reading", progress=5)
    if claimed:
        return Lease(run_id, now)
    if ScoreRun.objects.filter(pk=run_id, status=ScoreRun.Status.RUNNING).exists():
        raise RunBusy(run_id)
    return None


def beat(lease: Lease, **fields: object) -> bool:
    """Write a sign of life (and any progress fields) while the lease holds; False once it is lost."""
    return bool(lease.rows().update(heartbeat_at=timezone.now(), **fields))


@contextmanager
def heartbeat(lease: Lease, interval: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Beat from a thread while the body works: a long query or drawing between stages must not look dead."""
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(interval):
                beat(lease)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name=f"score-run-{lease.run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def start(assessment: Assessment, create) -> tuple[ScoreRun, bool]:  # noqa: ANN001 - create: () -> ScoreRun
    """Return the assessment's live run, or the one `create` makes: one step under a lock on the assessment row.

    Concurrent starts queue behind the lock, and the second sees the first's run. A run that shows no sign of
    life for FAIL_AFTER_SECONDS is failed here first (its worker is gone). Returns (run, created).
    """
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        active = assessment.score_runs.filter(status__in=ACTIVE).order_by("-created_at", "-pk").first()
        if active is not None and not fail_if_stale(active):
            return active, False
        return create(), True


def is_stale(run: ScoreRun) -> bool:
    """Tell whether an unfinished run has shown no sign of life for FAIL_AFTER_SECONDS (its worker died)."""
    if run.is_finished:
        return False
    last = run.heartbeat_at or run.created_at
    return last < stale_before(FAIL_AFTER_SECONDS)


def fail_if_stale(run: ScoreRun) -> bool:
    """Fail one unfinished run whose worker is gone, with the reason; True if it is (now) failed."""
    if not is_stale(run):
        return False
    last = Q(heartbeat_at__lt=stale_before(FAIL_AFTER_SECONDS)) | Q(heartbeat_at=None,
                                                                   created_at__lt=stale_before(FAIL_AFTER_SECONDS))
    reason = worker_lost_text() if run.status == ScoreRun.Status.RUNNING else never_taken_text()
    ScoreRun.objects.filter(last, pk=run.pk, status=run.status).update(
        status=ScoreRun.Status.FAILED, finished_at=timezone.now(), error=reason)
    run.refresh_from_db()
    return run.status == ScoreRun.Status.FAILED


def default_language(text: object, **values: object) -> str:
    """A reason as stored: in the site's default language, translated again for each page (error_text)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % values if values else str(text)


def worker_lost_text() -> str:
    return default_language(WORKER_LOST, seconds=FAIL_AFTER_SECONDS)


def never_taken_text() -> str:
    return default_language(NEVER_TAKEN, seconds=FAIL_AFTER_SECONDS)


def fail_stale_runs() -> list[int]:
    """The watchdog: fail every running run whose heartbeat is older than FAIL_AFTER_SECONDS; return their ids.

    Queued runs are left alone: they wait for a worker, and starting again replaces one that waited too long.
    """
    dead = ScoreRun.objects.filter(status=ScoreRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before(FAIL_AFTER_SECONDS)) | Q(heartbeat_at=None))
    ids = list(dead.values_list("pk", flat=True))
    ScoreRun.objects.filter(pk__in=ids, status=ScoreRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before(FAIL_AFTER_SECONDS)) | Q(heartbeat_at=None)
    ).update(status=ScoreRun.Status.FAILED, finished_at=timezone.now(), error=worker_lost_text())
    return ids


def running_ids() -> list[int]:
    return list(ScoreRun.objects.filter(status=ScoreRun.Status.RUNNING).values_list("pk", flat=True))


def error_text(run: ScoreRun) -> str:
    """A failed run's reason in the page's language when it is one of ours (stored in the default language)."""
    from materiality.enqueue import UNAVAILABLE

    if run.error == worker_lost_text():
        return str(WORKER_LOST) % {"seconds": FAIL_AFTER_SECONDS}
    if run.error == never_taken_text():
        return str(NEVER_TAKEN) % {"seconds": FAIL_AFTER_SECONDS}
    if run.error == default_language(UNAVAILABLE):
        return str(UNAVAILABLE)
    return run.error
