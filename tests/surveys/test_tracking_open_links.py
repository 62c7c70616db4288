"""The tracking counts keep open-link answers apart from personal ones (read without joining the invitations)."""

from __future__ import annotations

from surveys import services, tracking
from surveys.models import Invitation, Response


def test_open_link_answers_are_counted_apart_from_personal_ones(sent, cycle):
    questionnaire = cycle.questionnaires.first()
    personal = questionnaire.invitations.select_related("group").filter(is_open_link=False).first()
    group = personal.group
    services.open_link(questionnaire, group)
    link = Invitation.objects.get(questionnaire=questionnaire, group=group, is_open_link=True)
    Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=group, invitation=personal,
                            respondent_key=personal.respondent_key, status="submitted")
    for key, status in (("o-1", "submitted"), ("o-2", "submitted"), ("o-3", "draft")):
        Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=group, invitation=link,
                                respondent_key=key, status=status)
    rates = tracking.response_rates(cycle)
    row = next(r for r in rates["groups"] if r.key == group.code)
    assert (row.submitted, row.drafts, row.open_submitted, row.open_drafts) == (1, 0, 2, 1)
    assert rates["total"].total_submitted == 3
