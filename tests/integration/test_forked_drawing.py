"""A real prefork worker (a daemonic child) draws the matrix with a forked child of its own, and keeps working."""

from __future__ import annotations

import re

import pytest

from materiality import aggregation, services
from materiality.models import ScoreRun
from tests.integration.workers import start_worker, stop, wait_finished
from tests.materiality.conftest import stored

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
IMAGES = ("matrix_png", "matrix_svg", "matrix_png_zh", "matrix_svg_zh")


def test_a_prefork_worker_draws_beside_its_run_and_its_connections_survive(answered, without_fork):
    assessment = answered
    worker = start_worker()
    try:
        first = wait_finished(services.start_aggregation(assessment))
        # A second run through the same worker child: the drawing child left its broker and database
        # connections alone (a fork that ran Celery's after-fork hooks would have closed them).
        second = wait_finished(services.start_aggregation(assessment))
    finally:
        stop(worker)
    assert first.status == second.status == ScoreRun.Status.SUCCEEDED, (first.error, second.error)

    without_fork()
    here = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    aggregation.run_aggregation(here.pk)
    here.refresh_from_db()
    for field in IMAGES:
        assert drawn(first, field) == drawn(here, field) == drawn(second, field), field


def drawn(run: ScoreRun, field: str) -> bytes:
    """The stored image, an SVG's clip-path ids numbered in order: matplotlib derives them from the clip box's
    floats, whose last digits differed once between the worker's process and this one (the pixels did not)."""
    image = stored(run, field)
    if not field.startswith("matrix_svg"):
        return image
    ids: dict[bytes, bytes] = {}
    return re.sub(rb"\bp[0-9a-f]{10}\b", lambda m: ids.setdefault(m.group(), b"clip%d" % len(ids)), image)
