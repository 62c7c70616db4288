"""Twenty simultaneous starts of scoring give one run (issue 11: 20 clicks had published 3)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from materiality import services
from materiality.models import ScoreRun
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_starts_give_one_run(assessment, django_capture_on_commit_callbacks):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=4)
    barrier = threading.Barrier(20)
    got: list[int] = []

    def click() -> None:
        try:
            barrier.wait()
            got.append(services.start_aggregation(assessment).pk)
        finally:
            connection.close()

    from materiality.celery import app

    app.conf.task_always_eager = False  # only count runs: nothing is published (memory broker in tests)
    try:
        threads = [threading.Thread(target=click) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        app.conf.task_always_eager = True
    assert ScoreRun.objects.filter(assessment=assessment).count() == 1
    assert set(got) == {ScoreRun.objects.get().pk} and len(got) == 20
