"""On PostgreSQL a parallel plan adds rows in a different order each time: the run's numbers must not depend on it."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from materiality import aggregation
from materiality.models import Assessment, ScoreRun
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="needs PostgreSQL (set DATABASE_URL)")


def plan(parallel: bool) -> None:
    """Make the planner pick a parallel (or a serial) plan even for a small table."""
    settings = {"max_parallel_workers_per_gather": 2 if parallel else 0, "parallel_setup_cost": 0,
                "parallel_tuple_cost": 0, "min_parallel_table_scan_size": 0, "enable_hashagg": "off" if parallel else "on"}
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET {name} = {value}")


def run_once(assessment: Assessment) -> ScoreRun:
    run = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    aggregation.run_aggregation(run.pk, draw=False)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.SUCCEEDED
    return run


def test_reruns_under_parallel_and_serial_plans_give_identical_checksums_and_numbers(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=40, seed=5)
    fields = ["topic_id", "impact", "financial", "impact_low", "impact_high", "financial_low", "financial_high"]
    runs, plans = [], []
    for parallel in (True, True, False):
        plan(parallel)
        runs.append(run_once(assessment))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN SELECT sum(severity) FROM surveys_rating")
            plans.append("Gather" in " ".join(row[0] for row in cursor.fetchall()))
    plan(False)
    assert plans == [True, True, False]
    checksums = {run.input_checksum for run in runs}
    assert len(checksums) == 1 and "" not in checksums
    numbers = [list(run.topic_scores.order_by("topic_id").values_list(*fields)) for run in runs]
    assert numbers[0] == numbers[1] == numbers[2]
