"""Fixtures for the survey tests: contacts, sent invitations with their link tokens, a respondent's form post."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from materiality.models import Assessment
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import services
from surveys.models import Invitation, Questionnaire

LINK = re.compile(r"/r/([A-Za-z0-9_-]+)/")


@pytest.fixture
def cycle(assessment: Assessment) -> Assessment:
    """The conftest assessment (all 9 groups) with its two standard questionnaires."""
    services.create_default_questionnaires(assessment)
    return assessment


@pytest.fixture
def contacts(db: None) -> list[Stakeholder]:
    """Two contacts per group: one English, one Chinese; plus one without e-mail."""
    people = []
    for group in StakeholderGroup.objects.all():
        for i, language in enumerate(["en", "zh-hans"], start=1):
            people.append(Stakeholder.objects.create(
                name=f"{group.code} person {i}", email=f"{group.code}.{i}@example.org", group=group, language=language,
            ))
    Stakeholder.objects.create(name="No mail", email="", group=StakeholderGroup.objects.get(code="customers"))
    return people


def token_from(message: mail.EmailMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def sent(cycle: Assessment, contacts: list[Stakeholder], settings, django_capture_on_commit_callbacks) -> dict:
    """Invite everybody; return {contact e-mail: token} from the e-mails actually sent."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contacts(cycle)
    return {m.to[0]: token_from(m) for m in mail.outbox}


def invitation_for(email: str) -> Invitation:
    return Invitation.objects.select_related("questionnaire").get(contact__email=email)


def form_fields(client: Client, token: str) -> tuple[list[str], list[str]]:
    """Open the questionnaire page and return (topic ids, radio field names) as the page offers them."""
    page = client.get(reverse("surveys:respond_form", kwargs={"token": token}))
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    topics = re.findall(r'name=topics value=(\d+)>', html)
    names = sorted(set(re.findall(r'type=radio name=(t\d+-\w+)', html)))
    return topics, names


def full_answers(topics: list[str], names: list[str], value: str | None = None, action: str = "submit") -> dict:
    """Answer every question: varying ratings (so no straight-lining) unless `value` is given."""
    data: dict[str, object] = {"topics": topics, "action": action}
    for i, name in enumerate(names):
        if name.endswith("-horizon"):
            data[name] = "medium"
        else:
            data[name] = value or str(1 + i % 5)
    return data


def questionnaire_of(cycle: Assessment, rater: bool) -> Questionnaire:
    return next(q for q in cycle.questionnaires.all() if q.has_financial_items == rater)
