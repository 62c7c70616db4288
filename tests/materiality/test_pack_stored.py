"""The report pack is built once at confirmation and stored: every later download returns the same bytes (11.7)."""

from __future__ import annotations

import hashlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from materiality import services
from materiality.models import Assessment, AuditEntry, ConfirmedPack
from materiality.pack_models import PackImmutable
from stakeholders.models import StakeholderGroup
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable


def download(user, slug: str) -> bytes:
    response = client_for(user).get(reverse("materiality:pack", kwargs={"slug": slug}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return response.content


def test_confirmation_stores_the_pack_and_audits_its_checksum(scored, chair, committee_user):
    make_confirmable(scored, chair)
    services.confirm_assessment(scored.assessment, acting_user=chair)
    pack = ConfirmedPack.objects.get(assessment=scored.assessment)
    content = bytes(pack.content)
    assert pack.sha256 == hashlib.sha256(content).hexdigest() and pack.size == len(content) and pack.run == scored
    stored = AuditEntry.objects.get(action="pack.store")
    assert stored.after["sha256"] == pack.sha256 and stored.pk > AuditEntry.objects.get(action="assessment.confirm").pk
    first = download(committee_user, scored.assessment.slug)
    group = StakeholderGroup.objects.order_by("pk").first()
    StakeholderGroup.objects.filter(pk=group.pk).update(name_en="Renamed afterwards", name_zh="之后改名")
    assert download(chair, scored.assessment.slug) == first == content


def test_a_stored_pack_cannot_be_changed(scored, chair):
    make_confirmable(scored, chair)
    services.confirm_assessment(scored.assessment, acting_user=chair)
    pack = ConfirmedPack.objects.get()
    pack.content = b"forged"
    with pytest.raises(PackImmutable):
        pack.save()
    with pytest.raises(PackImmutable):
        pack.delete()
    for sql in ("UPDATE materiality_confirmedpack SET sha256 = 'x'", "DELETE FROM materiality_confirmedpack"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert ConfirmedPack.objects.get().sha256 == pack.sha256


def test_an_assessment_confirmed_before_packs_were_stored_gets_one_on_first_download(scored, chair):
    Assessment.objects.filter(pk=scored.assessment_id).update(confirmed_at=timezone.now(), confirmed_by=chair)
    assert not ConfirmedPack.objects.exists()
    first = download(chair, scored.assessment.slug)
    assert download(chair, scored.assessment.slug) == first == bytes(ConfirmedPack.objects.get().content)
