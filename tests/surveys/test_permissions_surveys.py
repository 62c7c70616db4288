"""Every surveys URL x every role: the work team runs cycles, the committee looks without personal data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys.models import Response
from tests.conftest import client_for

W, C, X = "work_team", "committee", "outsider"
# name, kwargs keys, method, {role: expected status}
TABLE = [
    ("assessment_list", "", "get", {W: 200, C: 200, X: 403}),
    ("assessment_create", "", "get", {W: 200, C: 403, X: 403}),
    ("assessment_create", "", "post", {W: 200, C: 403, X: 403}),
    ("assessment_detail", "s", "get", {W: 200, C: 200, X: 403}),
    ("assessment_edit", "s", "get", {W: 200, C: 403, X: 403}),
    ("assessment_edit", "s", "post", {W: 200, C: 403, X: 403}),
    ("questionnaire_create", "s", "get", {W: 200, C: 403, X: 403}),
    ("questionnaire_edit", "sq", "get", {W: 200, C: 403, X: 403}),
    ("questionnaire_edit", "sq", "post", {W: 200, C: 403, X: 403}),
    ("questionnaire_preview", "sq", "get", {W: 200, C: 200, X: 403}),
    ("invitation_list", "s", "get", {W: 200, C: 403, X: 403}),
    ("invitation_send", "s", "post", {W: 302, C: 403, X: 403}),
    ("invitation_send", "s", "get", {W: 405, C: 405, X: 405}),
    ("invitation_remind", "s", "post", {W: 302, C: 403, X: 403}),
    ("invitation_resend", "si", "post", {W: 302, C: 403, X: 403}),
    ("open_link_create", "s", "post", {W: 302, C: 403, X: 403}),
    ("response_tracking", "s", "get", {W: 200, C: 200, X: 403}),
    ("response_rates_live", "s", "get", {W: 200, C: 200, X: 403}),
    ("response_detail", "sr", "get", {W: 200, C: 403, X: 403}),
]


@pytest.fixture
def users(work_team_user, committee_user, outsider) -> dict:
    return {W: work_team_user, C: committee_user, X: outsider}


@pytest.mark.parametrize("name,keys,method,expected", TABLE, ids=[f"{t[0]}-{t[2]}" for t in TABLE])
def test_role_table(users, sent, cycle, name, keys, method, expected):
    questionnaire = cycle.questionnaires.first()
    invitation = questionnaire.invitations.first()
    response = Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=invitation.group,
                                       invitation=invitation, respondent_key=invitation.respondent_key)
    values = {"s": ("slug", cycle.slug), "q": ("pk", questionnaire.pk), "i": ("pk", invitation.pk),
              "r": ("pk", response.pk)}
    url = reverse(f"surveys:{name}", kwargs=dict(values[k] for k in keys))
    for role, status in expected.items():
        got = getattr(client_for(users[role]), method)(url)
        assert got.status_code == status, f"{role} {method.upper()} {url}: {got.status_code}"


def test_committee_tracking_page_has_rates_but_no_contacts(sent, cycle, committee_user, work_team_user):
    url = reverse("surveys:response_tracking", kwargs={"slug": cycle.slug})
    committee_page = client_for(committee_user).get(url).content.decode()
    team_page = client_for(work_team_user).get(url).content.decode()
    assert "Customers" in committee_page and "Invited" in committee_page
    assert "customers.1@example.org" not in committee_page and "customers person 1" not in committee_page
    assert "customers.1@example.org" in team_page and "Not answered yet" in team_page
    importing = reverse("materiality:import_responses", args=[cycle.slug])
    assert importing in team_page and importing not in committee_page  # only who may import is offered it


@pytest.mark.parametrize("name", ["respond", "respond_form", "respond_thanks"])
def test_respondent_pages_need_no_account(client, sent, name):
    token = sent["customers.1@example.org"]
    response = client.get(reverse(f"surveys:{name}", kwargs={"token": token}))
    assert response.status_code in (200, 302)
    assert "/accounts/login" not in response.get("Location", "")
