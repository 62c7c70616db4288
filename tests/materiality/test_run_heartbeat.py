"""The heartbeat is written from its own thread while the job works, not only when a stage is reached."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from materiality import runs
from materiality.models import ScoreRun

# Transactional: the heartbeat thread has its own connection and must see the committed run.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_heartbeat_beats_while_the_body_works(assessment):
    lease = runs.claim(ScoreRun.objects.create(assessment=assessment).pk)
    before = ScoreRun.objects.get(pk=lease.run_id).heartbeat_at
    with runs.heartbeat(lease, interval=0.05):
        time.sleep(0.5)  # a long query or drawing: no stage is reached meanwhile
        during = ScoreRun.objects.get(pk=lease.run_id).heartbeat_at
    assert before < during <= timezone.now()
