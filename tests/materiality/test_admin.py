"""The admin keeps the rules of the pages: published libraries are read-only and every change is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from materiality import audit, services
from materiality.models import AuditEntry, Topic
from tests.conftest import client_for


@pytest.mark.django_db
def test_admin_cannot_change_a_published_topic(library_2024, superuser):
    topic = Topic.objects.get(library=library_2024, code="E06")
    client = client_for(superuser)
    page = client.get(reverse("admin:materiality_topic_change", args=[topic.pk]))
    assert page.status_code == 200 and 'name="name_en"' not in page.content.decode()  # shown read-only
    client.post(reverse("admin:materiality_topic_change", args=[topic.pk]),
                {"library": library_2024.pk, "code": "E06", "pillar": "E", "name_en": "Hacked", "position": 6,
                 "change_kind": "unchanged"})
    topic.refresh_from_db()
    assert topic.name_en == "Water resource management"


@pytest.mark.django_db
def test_admin_changes_to_a_draft_topic_are_audited(library_2024, superuser):
    draft = services.clone_library(library_2024)
    topic = draft.topics.get(code="E06")
    response = client_for(superuser).post(reverse("admin:materiality_topic_change", args=[topic.pk]), {
        "library": draft.pk, "code": "E06", "pillar": "E", "name_en": "Water stewardship", "name_zh": "水资源管理",
        "description_en": topic.description_en, "description_zh": topic.description_zh, "position": topic.position,
        "change_kind": "renamed", "change_note": "", "predecessors": [p.pk for p in topic.predecessors.all()],
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "admin.change" and entry.actor_name == "ada"
    assert entry.before["name_en"] == "Water resource management" and entry.after["name_en"] == "Water stewardship"
    assert audit.verify().ok
