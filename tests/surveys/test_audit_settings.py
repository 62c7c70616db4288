"""Every change to an assessment's or questionnaire's settings leaves an audit entry with before and after."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from materiality.models import Assessment, AuditEntry
from tests.conftest import client_for
from tests.surveys.test_assessment_pages import assessment_post


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_creating_and_editing_an_assessment_is_recorded_with_before_and_after(library_2024, work_team_user):
    team = client_for(work_team_user)
    assert team.post(reverse("surveys:assessment_create"), assessment_post(library_2024)).status_code == 302
    created = AuditEntry.objects.get(action="assessment.create")
    assessment = Assessment.objects.get(slug="dma-2025")
    assert (created.actor_name, created.assessment_id, created.before) == (work_team_user.username, assessment.pk, None)
    assert created.after["scale"] == 5 and created.after["major_threshold"] == 4.0
    assert created.after["weights"]["customers"] == 2.0 and "industry" not in created.after["weights"]
    assert created.after["opens_at"].startswith("2030-01-01T01:00")  # 09:00 in Hong Kong, kept in UTC

    edit = reverse("surveys:assessment_edit", kwargs={"slug": "dma-2025"})
    assert team.post(edit, assessment_post(library_2024, weight_customers="3", major_threshold="4.5")).status_code == 302
    edited = AuditEntry.objects.get(action="assessment.edit")
    assert (edited.before["weights"]["customers"], edited.after["weights"]["customers"]) == (2.0, 3.0)
    assert (edited.before["major_threshold"], edited.after["major_threshold"]) == (4.0, 4.5)
    assert edited.before["opens_at"] == edited.after["opens_at"]

    # Saving the same settings again changes nothing, so nothing is recorded.
    team.post(edit, assessment_post(library_2024, weight_customers="3", major_threshold="4.5"))
    assert AuditEntry.objects.filter(action="assessment.edit").count() == 1


def test_questionnaire_create_and_edit_are_recorded(cycle, work_team_user):
    from stakeholders.models import StakeholderGroup

    team = client_for(work_team_user)
    questionnaire = cycle.questionnaires.first()
    customers = StakeholderGroup.objects.get(code="customers")
    questionnaire.groups.remove(customers)
    url = reverse("surveys:questionnaire_create", kwargs={"slug": cycle.slug})
    data = {"title_en": "Customers only", "groups": [customers.pk], "asks_severity": "on",
            "opens_at": local(cycle.opens_at), "closes_at": local(cycle.closes_at)}
    assert team.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="questionnaire.create")
    assert entry.before is None and entry.after["groups"] == ["customers"] and entry.after["asks_likelihood"] is False
    new = cycle.questionnaires.get(title_en="Customers only")
    edit = reverse("surveys:questionnaire_edit", kwargs={"slug": cycle.slug, "pk": new.pk})
    assert team.post(edit, {**data, "asks_likelihood": "on"}).status_code == 302
    edited = AuditEntry.objects.get(action="questionnaire.edit")
    assert (edited.before["asks_likelihood"], edited.after["asks_likelihood"]) == (False, True)
    assert edited.actor_name == work_team_user.username and edited.assessment_id == cycle.pk
    team.post(edit, {**data, "asks_likelihood": "on"})
    assert AuditEntry.objects.filter(action="questionnaire.edit").count() == 1


def test_the_command_records_the_creation_as_system(library_2024):
    call_command("create_assessment", "dma-cli", "--library-year", "2024", stdout=io.StringIO())
    entry = AuditEntry.objects.get(action="assessment.create")
    assert entry.actor_name == "system" and entry.after["scale"] == 5
