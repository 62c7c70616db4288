"""Link tokens: enough randomness, only a hash stored, valid until the questionnaire closes."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from surveys import tokens
from surveys.models import Invitation, InvitationToken


def test_tokens_have_256_bits_and_never_repeat():
    made = {tokens.make_token() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(t) == 43 and tokens.looks_like_token(t) for t in made)  # 32 bytes, base64url


def test_hash_is_sha256_hex():
    assert tokens.hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_database_holds_only_hashes(sent):
    token = sent["customers.1@example.org"]
    stored = list(InvitationToken.objects.values_list("token_hash", flat=True))
    stored += list(Invitation.objects.values_list("token_hash", flat=True))
    assert token not in stored and tokens.hash_token(token) in stored


def test_link_works_until_the_close_date_then_says_closed(client, sent, cycle):
    token = sent["customers.1@example.org"]
    url = reverse("surveys:respond", kwargs={"token": token})
    closes = cycle.questionnaires.first().closes_at
    with time_machine.travel(closes - dt.timedelta(minutes=1)):
        assert client.get(url).status_code == 200
    with time_machine.travel(closes + dt.timedelta(seconds=1)):
        page = client.get(url)
        assert page.status_code == 410
        assert "This questionnaire is closed" in page.content.decode()
        form = client.post(reverse("surveys:respond_form", kwargs={"token": token}), {"topics": []})
        assert form.status_code == 410


def test_link_before_opening_says_when_it_opens(client, sent, cycle):
    questionnaire = cycle.questionnaires.first()
    questionnaire.opens_at = questionnaire.opens_at + dt.timedelta(days=10)
    questionnaire.save()
    email = questionnaire.invitations.first().contact.email
    page = client.get(reverse("surveys:respond", kwargs={"token": sent[email]}))
    assert page.status_code == 403 and "not open yet" in page.content.decode()


def test_earlier_links_keep_working_after_a_reminder(client, sent, cycle, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    from surveys import services
    from tests.surveys.conftest import token_from

    first = sent["customers.1@example.org"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(Invitation.objects.get(contact__email="customers.1@example.org"))
    second = token_from(mail.outbox[0])
    assert second != first
    for token in (first, second):
        assert client.get(reverse("surveys:respond", kwargs={"token": token})).status_code == 200
