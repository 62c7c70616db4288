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


@pytest.mark.django_db
def test_admin_refuses_a_new_topic_in_a_published_library(library_2024, superuser):
    page = client_for(superuser).post(reverse("admin:materiality_topic_add"), {
        "library": library_2024.pk, "code": "X99", "pillar": "E", "name_en": "Late topic", "position": 99,
        "change_kind": "new"})
    assert page.status_code == 200 and "The 2024 library is published and read-only" in page.content.decode()
    assert not Topic.objects.filter(library=library_2024, code="X99").exists()


@pytest.mark.django_db
def test_admin_changes_to_a_contact_keep_personal_data_out_of_the_trail(superuser):
    from stakeholders.models import Stakeholder, StakeholderGroup

    group = StakeholderGroup.objects.create(code="auditors", name_en="Auditors")
    contact = Stakeholder.objects.create(name="Wang Fang", email="wang.fang@example.org", group=group)
    response = client_for(superuser).post(reverse("admin:stakeholders_stakeholder_change", args=[contact.pk]), {
        "name": "Wang Fang", "email": "fang.wang@example.org", "organisation": "", "group": group.pk,
        "language": contact.language})
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "admin.change" and entry.object_repr == f"Stakeholder #{contact.pk}"
    assert "wang" not in str(entry.before).lower() + str(entry.after).lower() + entry.object_repr.lower()
    assert entry.after["email"] == "(withheld, changed)" and entry.after["name"] == "(withheld)"


@pytest.mark.django_db
def test_a_predecessor_id_beyond_64_bits_is_an_invalid_choice(library_2024, work_team_user):
    draft = services.clone_library(library_2024)
    page = client_for(work_team_user).post(reverse("materiality:topic_create", args=[draft.year]), {
        "code": "X01", "pillar": "E", "name_en": "New", "change_kind": "renamed",
        "predecessors": ["9" * 30]})
    assert page.status_code == 200 and "is not a valid value" in page.content.decode()
    assert not draft.topics.filter(code="X01").exists()
