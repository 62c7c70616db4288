"""Fixtures for the committee, register, report pack, API and freeze tests: a chair and a scored assessment."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from materiality import aggregation, roles, services
from materiality.models import Assessment, ScoreRun
from tests.conftest import make_user
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def chair(db: None) -> User:
    user = make_user("chen", roles.COMMITTEE)
    user.groups.add(Group.objects.get(name=roles.CHAIR))
    return user


def score(assessment: Assessment, *, draw: bool = False) -> ScoreRun:
    """Run the scoring job in this thread and return the succeeded run."""
    run = services.start_aggregation(assessment)
    aggregation.run_aggregation(run.pk, draw=draw)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.SUCCEEDED, run.error
    return run


def stored(run: ScoreRun, field: str) -> bytes:
    """A run's stored image as bytes: an SVG is text, a PNG bytes (SQLite) or a memoryview (PostgreSQL)."""
    value = getattr(run, field)
    return value.encode() if isinstance(value, str) else bytes(value)


@pytest.fixture
def scored(assessment: Assessment) -> ScoreRun:
    """An assessment with default questionnaires, synthetic answers and one succeeded run (no matrix drawn)."""
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8, seed=5)
    return score(assessment)
