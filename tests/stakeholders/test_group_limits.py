"""Group edits that would break later work are refused with a message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from materiality import services as library_services
from stakeholders.models import StakeholderGroup
from tests.conftest import client_for


def group_data(group: StakeholderGroup, **changes: object) -> dict[str, object]:
    data = {"code": group.code, "name_en": group.name_en, "name_zh": group.name_zh, "kind": group.kind,
            "needs_topics": group.needs_topics, "channels": "\n".join(group.channels),
            "default_weight": group.default_weight, "is_rater": group.is_rater}
    data.update(changes)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("weight", ["1e308", "101", "-1"])
def test_default_weight_must_lie_between_0_and_100(library_2024, work_team_user, weight):
    group = StakeholderGroup.objects.get(code="customers")
    url = reverse("stakeholders:group_edit", args=[group.code])
    response = client_for(work_team_user).post(url, group_data(group, default_weight=weight))
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.default_weight == 1.0


@pytest.mark.django_db
def test_a_used_group_keeps_its_code(assessment, work_team_user):
    group = StakeholderGroup.objects.get(code="customers")
    url = reverse("stakeholders:group_edit", args=[group.code])
    response = client_for(work_team_user).post(url, group_data(group, code="clients"))
    assert "can no longer change" in response.content.decode()
    assert StakeholderGroup.objects.filter(code="customers").exists()


@pytest.mark.django_db
def test_too_many_channels_are_refused(library_2024, work_team_user):
    group = StakeholderGroup.objects.get(code="customers")
    url = reverse("stakeholders:group_edit", args=[group.code])
    response = client_for(work_team_user).post(url, group_data(group, channels="\n".join(f"c{i}" for i in range(60))))
    assert "at most 50 channels" in response.content.decode()


@pytest.mark.django_db
def test_needs_topics_come_from_the_latest_published_library(library_2024, work_team_user):
    library_services.clone_library(library_2024, year=2030)  # a draft: may be empty or half-edited
    draft = library_2024.__class__.objects.get(year=2030)
    draft.topics.all().delete()
    page = client_for(work_team_user).get(reverse("stakeholders:group_edit", args=["customers"])).content.decode()
    assert "not in the latest library" not in page and "Topics of the 2024 library" in page
