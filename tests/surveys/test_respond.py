"""The respondent's journey through the web form, without a browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys.models import Invitation, Rating, Response
from tests.surveys.conftest import form_fields, full_answers, invitation_for


@pytest.fixture
def english_customer(sent: dict) -> str:
    return sent["customers.1@example.org"]


def test_landing_page_shows_purpose_time_and_privacy(client, english_customer):
    page = client.get(reverse("surveys:respond", kwargs={"token": english_customer}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Why we ask" in html and "minutes" in html and "Privacy" in html
    assert invitation_for("customers.1@example.org").status == Invitation.Status.OPENED


def test_full_submission_stores_every_topic_and_thanks(client, english_customer):
    topics, names = form_fields(client, english_customer)
    assert len(topics) == 24 and len(names) == 48  # impact items only for customers
    response = client.post(reverse("surveys:respond_form", kwargs={"token": english_customer}),
                           full_answers(topics, names))
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:respond_thanks", kwargs={"token": english_customer})
    stored = Response.objects.get()
    assert stored.status == Response.Status.SUBMITTED and stored.submitted_at
    assert stored.respondent_key == f"inv-{invitation_for('customers.1@example.org').pk}"
    assert stored.assessment_id == stored.questionnaire.assessment_id
    assert Rating.objects.filter(response=stored).count() == 24
    assert invitation_for("customers.1@example.org").status == Invitation.Status.SUBMITTED
    thanks = client.get(response["Location"])
    assert "your answers were received" in thanks.content.decode()


def test_second_submit_is_refused_politely(client, english_customer):
    topics, names = form_fields(client, english_customer)
    url = reverse("surveys:respond_form", kwargs={"token": english_customer})
    client.post(url, full_answers(topics, names))
    again = client.post(url, full_answers(topics, names, value="5"))
    assert again.status_code == 200
    assert "already received" in again.content.decode()
    assert set(Rating.objects.values_list("severity", flat=True)) != {5}
    assert Response.objects.count() == 1


def test_incomplete_submit_saves_and_names_missing_topics(client, english_customer):
    topics, names = form_fields(client, english_customer)
    half = [n for n in names if int(n[1:].split("-")[0]) <= int(topics[11])]
    response = client.post(reverse("surveys:respond_form", kwargs={"token": english_customer}),
                           full_answers(topics, half))
    html = response.content.decode()
    assert response.status_code == 400
    assert "12 topics still need answers" in html
    assert Response.objects.get().status == Response.Status.DRAFT
    assert Rating.objects.exclude(severity=None).count() == 12


def test_dont_know_is_stored_as_empty_and_counts_as_an_answer(client, english_customer):
    topics, names = form_fields(client, english_customer)
    data = full_answers(topics, names)
    first = names[0]
    data[first] = "dk"
    client.post(reverse("surveys:respond_form", kwargs={"token": english_customer}), data)
    rating = Rating.objects.get(topic_id=int(first[1:].split("-")[0]))
    item = first.split("-")[1]
    assert getattr(rating, item) is None and rating.dont_know == [item]
    assert Response.objects.get().status == Response.Status.SUBMITTED


@pytest.mark.parametrize("bad", ["0", "6", "-1", "3.5", "abc", "99999999999999999999"])
def test_rating_outside_the_scale_is_refused_and_nothing_saved(client, english_customer, bad):
    topics, names = form_fields(client, english_customer)
    data = full_answers(topics, names)
    data[names[3]] = bad
    response = client.post(reverse("surveys:respond_form", kwargs={"token": english_customer}), data)
    assert response.status_code == 400
    assert "choose 1 to 5" in response.content.decode()
    assert not Rating.objects.exists()
    assert Response.objects.get().status == Response.Status.DRAFT


def test_save_and_continue_later_keeps_answers_for_the_same_link(client, english_customer):
    topics, names = form_fields(client, english_customer)
    url = reverse("surveys:respond_form", kwargs={"token": english_customer})
    saved = client.post(url, full_answers(topics, names[:10], action="save"))
    assert saved.status_code == 302 and "saved=1" in saved["Location"]
    page = client.get(url).content.decode()
    assert page.count(" checked") == 10
    assert "5 of 24 topics answered" in page


def test_language_switch_keeps_answers_and_shows_chinese(client, english_customer):
    topics, names = form_fields(client, english_customer)
    url = reverse("surveys:respond_form", kwargs={"token": english_customer})
    data = full_answers(topics, names[:4], action="")
    data["switch_language"] = "zh-hans"
    response = client.post(url, data)
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "应对气候变化" in page  # E01 in Chinese
    assert page.count(" checked") == 4
    assert Response.objects.get().language == "zh-hans"


def test_chinese_contact_sees_chinese_first(client, sent):
    page = client.get(reverse("surveys:respond", kwargs={"token": sent["customers.2@example.org"]}))
    assert 'lang="zh-hans"' in page.content.decode()


def test_unknown_token_says_so_without_a_500(client, sent):
    for token in ["x" * 43, "not-a-token", "%00", "a" * 300]:
        response = client.get(f"/r/{token}/")
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()


def test_rater_questionnaire_asks_financial_items(client, sent):
    topics, names = form_fields(client, sent["management.1@example.org"])
    items = {n.split("-", 1)[1] for n in names}
    assert items == {"severity", "likelihood", "magnitude", "financial_likelihood", "horizon"}
    response = client.post(reverse("surveys:respond_form", kwargs={"token": sent["management.1@example.org"]}),
                           full_answers(topics, names))
    assert response.status_code == 302
    assert set(Rating.objects.values_list("horizon", flat=True)) == {"medium"}
