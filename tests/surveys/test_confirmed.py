"""A confirmed assessment takes no more answers and sends no more e-mails: clear pages and messages, never a 500."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from materiality.models import Assessment, AssessmentFrozen
from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Invitation, Rating, Response
from tests.conftest import client_for
from tests.surveys.conftest import form_fields, full_answers

CONFIRMED_TEXT = "This assessment is confirmed; answers are closed"


def confirm(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())


def test_respondent_pages_say_the_assessment_is_confirmed(client, sent, cycle):
    token = sent["customers.1@example.org"]
    topics, names = form_fields(client, token)
    client.post(reverse("surveys:respond_draft", kwargs={"token": token}), {})  # a draft exists
    confirm(cycle)
    landing = client.get(reverse("surveys:respond", kwargs={"token": token}))
    form = client.get(reverse("surveys:respond_form", kwargs={"token": token}))
    post = client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names))
    draft = client.post(reverse("surveys:respond_draft", kwargs={"token": token}), full_answers(topics, names))
    for page in (landing, form, post):
        assert page.status_code == 410 and CONFIRMED_TEXT in page.content.decode()
    assert draft.status_code == 410 and draft.json() == {"error": "confirmed"}
    assert not Rating.objects.exists()
    assert Response.objects.get().status == Response.Status.DRAFT


def test_response_services_refuse_a_confirmed_assessment_even_after_the_page_loaded(client, sent, cycle):
    token = sent["customers.1@example.org"]
    topics, _ = form_fields(client, token)
    client.post(reverse("surveys:respond_draft", kwargs={"token": token}), {})  # a draft exists
    invitation = services.find_invitation(token)  # loaded before the committee confirms
    response = Response.objects.get()
    confirm(cycle)
    library_topics = services.questionnaire_topics(invitation.questionnaire)
    with pytest.raises(AssessmentFrozen, match="confirmed"):
        services.start_response(invitation, browser_secret=None, language="en")
    with pytest.raises(AssessmentFrozen, match="confirmed"):
        services.save_answers(response, {})
    with pytest.raises(AssessmentFrozen, match="confirmed"):
        services.submit_response(response, library_topics)
    answers = {t: services.Answer(severity=2, likelihood=3) for t in library_topics}
    with pytest.raises(AssessmentFrozen, match="confirmed"):
        services.submit_answers(response, answers, library_topics)
    assert Response.objects.get().status == Response.Status.DRAFT and not Rating.objects.exists()


def test_sending_for_a_confirmed_assessment_is_refused_with_a_message(sent, cycle, work_team_user):
    confirm(cycle)
    mail.outbox.clear()
    team = client_for(work_team_user)
    invitation = Invitation.objects.filter(contact__isnull=False).first()
    kwargs = {"slug": cycle.slug}
    posts = [
        (reverse("surveys:invitation_send", kwargs=kwargs), {}),
        (reverse("surveys:invitation_remind", kwargs=kwargs), {}),
        (reverse("surveys:invitation_resend", kwargs={**kwargs, "pk": invitation.pk}), {}),
        (reverse("surveys:open_link_create", kwargs=kwargs),
         {"group": StakeholderGroup.objects.get(code="community").pk}),
    ]
    for url, data in posts:
        page = team.post(url, data, follow=True)
        assert page.status_code == 200
        assert "This assessment is confirmed and can no longer change" in page.content.decode(), url
    for args in ([cycle.slug], [cycle.slug, "--reminder"]):
        with pytest.raises(CommandError, match="confirmed"):
            call_command("invite", *args)
    with pytest.raises(CommandError, match="confirmed"):
        call_command("open_link", cycle.slug, "--group", "community")
    assert mail.outbox == [] and not Invitation.objects.filter(is_open_link=True).exists()
