"""In Chinese, the work team's pages name groups and questionnaires in Chinese (English only when none is stored)."""

from __future__ import annotations

from django.urls import reverse

from stakeholders.models import StakeholderGroup
from surveys import services
from tests.conftest import client_for


def chinese_client(user):
    client = client_for(user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    return client


def test_assessment_form_overview_invitations_and_tracking_use_chinese_names(sent, cycle, work_team_user):
    customers = StakeholderGroup.objects.get(code="customers")
    assert customers.name_zh  # the seeded groups carry Chinese names
    services.open_link(services.questionnaire_for_group(cycle, customers), customers)
    team = chinese_client(work_team_user)
    form = team.get(reverse("surveys:assessment_edit", kwargs={"slug": cycle.slug})).content.decode()
    assert f"{customers.name_zh}的权重" in form and f"{customers.name_en}的权重" not in form

    overview = team.get(reverse("surveys:assessment_detail", kwargs={"slug": cycle.slug})).content.decode()
    stakeholder_survey = cycle.questionnaires.get(groups=customers)
    assert f"{stakeholder_survey.title_zh} <small" in overview  # the page's language first, English after
    assert f"{customers.name_zh}," in overview or f"{customers.name_zh}</p>" in overview

    invitations = team.get(reverse("surveys:invitation_list", kwargs={"slug": cycle.slug})).content.decode()
    assert f"<li>{customers.name_zh} · {stakeholder_survey.title_zh}</li>" in invitations
    assert f"<td>{customers.name_zh}</td>" in invitations

    tracking = team.get(reverse("surveys:response_tracking", kwargs={"slug": cycle.slug})).content.decode()
    assert customers.name_zh in tracking and stakeholder_survey.title_zh in tracking


def test_english_pages_keep_english_names(cycle, work_team_user):
    customers = StakeholderGroup.objects.get(code="customers")
    form = client_for(work_team_user).get(reverse("surveys:assessment_edit", kwargs={"slug": cycle.slug}))
    assert f"Weight of {customers.name_en}" in form.content.decode()
