"""The Celery app: settings come from Django's (CELERY_ prefix); tasks are found in each app's tasks.py."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "materiality.settings")

app = Celery("materiality", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def load_matrix(**_kwargs: object) -> None:
    """Load matplotlib and adjustText when a worker starts (its forked processes inherit them), not in a run."""
    import materiality.matrix  # noqa: F401


@worker_ready.connect
def resume_runs(**_kwargs: object) -> None:
    """Send a takeover message for each running run: a worker whose parent was killed left its message unacked
    in Redis until the visibility timeout, so a starting worker retries the run (taken over once it is silent)."""
    from materiality import runs, tasks

    for run_id in runs.running_ids():
        tasks.run_aggregation_task.delay(run_id)
