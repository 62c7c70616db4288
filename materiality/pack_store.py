"""The stored report pack: built once at confirmation from the frozen data, then served byte for byte (11.7)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from materiality import audit, committee, services
from materiality.models import Assessment, ConfirmedPack, ScoreRun


def store(assessment: Assessment, run: ScoreRun, checks: Sequence[Any], *, acting_user: Any) -> ConfirmedPack:
    """Build the pack of a just-confirmed assessment, store it with its SHA-256 and audit the checksum.

    Runs inside the confirmation's transaction, after its audit entry, so the pack's audit trail ends with it.
    """
    rows = [c.as_dict() for c in checks]
    head = audit.head()
    content = committee.build_pack(assessment, run, rows)
    pack = ConfirmedPack.objects.create(
        assessment=assessment, run=run, content=content, sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), checks=rows, audit_head=str(head), created_at=timezone.now())
    audit.record(acting_user, "pack.store", pack, assessment=assessment,
                 after={"sha256": pack.sha256, "size": pack.size, "run": run.pk, "audit_head": pack.audit_head})
    return pack


def stored_pack(assessment: Assessment) -> ConfirmedPack | None:
    """Return a confirmed assessment's stored pack (None before confirmation or without a successful run).

    An assessment confirmed before packs were stored gets its pack built and stored on the first request; every
    later request returns those bytes.
    """
    pack = ConfirmedPack.objects.filter(assessment=assessment).first()
    if pack is not None or not assessment.is_confirmed:
        return pack
    run = services.latest_succeeded_run(assessment)
    if run is None:
        return None
    try:
        with transaction.atomic():
            return store(assessment, run, [], acting_user=None)
    except IntegrityError:  # a concurrent request stored it first
        return ConfirmedPack.objects.get(assessment=assessment)
