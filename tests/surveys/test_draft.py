"""Autosave: partial posts upsert only the topics sent, in a fixed number of queries; two tabs submit once."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from surveys.models import Rating, Response
from tests.surveys.conftest import form_fields, full_answers


@pytest.fixture
def token(sent: dict) -> str:
    return sent["customers.1@example.org"]


def test_autosave_stores_the_topics_it_is_sent_and_reports_progress(client, token):
    topics, names = form_fields(client, token)
    first = topics[0]
    url = reverse("surveys:respond_draft", kwargs={"token": token})
    response = client.post(url, {"topics": [first], f"t{first}-severity": "4", f"t{first}-likelihood": "dk"})
    assert response.status_code == 200
    assert response.json()["answered"] == 1 and response.json()["total"] == 24
    rating = Rating.objects.get(topic_id=first)
    assert (rating.severity, rating.likelihood, rating.dont_know) == (4, None, ["likelihood"])
    # A later post for another topic leaves the first one alone.
    second = topics[1]
    client.post(url, {"topics": [second], f"t{second}-severity": "2"})
    assert Rating.objects.get(topic_id=first).severity == 4
    assert Rating.objects.count() == 2


def test_autosave_refuses_a_value_off_the_scale(client, token):
    topics, _ = form_fields(client, token)
    response = client.post(reverse("surveys:respond_draft", kwargs={"token": token}),
                           {"topics": [topics[0]], f"t{topics[0]}-severity": "7"})
    assert response.status_code == 400 and "choose 1 to 5" in response.json()["messages"][0]
    assert not Rating.objects.exists()


def test_autosave_after_submit_is_refused(client, token):
    topics, names = form_fields(client, token)
    client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names))
    response = client.post(reverse("surveys:respond_draft", kwargs={"token": token}),
                           {"topics": [topics[0]], f"t{topics[0]}-severity": "1"})
    assert response.status_code == 409
    assert Rating.objects.get(topic_id=topics[0]).severity != 1


def test_autosave_with_unknown_token_is_404_json(client, sent):
    response = client.post(reverse("surveys:respond_draft", kwargs={"token": "y" * 43}), {"topics": []})
    assert response.status_code == 404 and response.json() == {"error": "unknown"}


def test_save_is_one_upsert_whatever_the_number_of_topics(client, token, django_assert_max_num_queries):
    topics, names = form_fields(client, token)
    data = full_answers(topics, names, action="")
    client.post(reverse("surveys:respond_draft", kwargs={"token": token}), {})  # the first autosave creates the draft
    with django_assert_max_num_queries(8):  # token, response, topics, guard update, upsert, progress (+ savepoints)
        assert client.post(reverse("surveys:respond_draft", kwargs={"token": token}), data).status_code == 200
    assert Rating.objects.count() == 24


def test_open_link_gives_each_browser_its_own_response(sent, cycle):
    from stakeholders.models import StakeholderGroup
    from surveys import services

    group = StakeholderGroup.objects.get(code="community")
    token = services.open_link(services.questionnaire_for_group(cycle, group), group)
    browsers = [Client(), Client()]
    for browser in browsers:
        topics, names = form_fields(browser, token)
        assert browser.post(reverse("surveys:respond_form", kwargs={"token": token}),
                            full_answers(topics, names)).status_code == 302
    keys = list(Response.objects.values_list("respondent_key", flat=True))
    assert len(keys) == 2 and all(k.startswith("open-") for k in keys)
    again = browsers[0].get(reverse("surveys:respond", kwargs={"token": token}))
    assert "already received" in again.content.decode()
    fresh = Client().get(reverse("surveys:respond", kwargs={"token": token}))
    assert fresh.status_code == 200 and "Start" in fresh.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL")
def test_two_tabs_submitting_at_once_store_one_response(sent):
    token = sent["customers.1@example.org"]
    tabs = [Client(), Client()]
    topics, names = form_fields(tabs[0], token)
    form_fields(tabs[1], token)
    url = reverse("surveys:respond_form", kwargs={"token": token})
    barrier = threading.Barrier(2)
    results: list[int] = []

    def submit(tab: Client, value: str) -> None:
        try:
            barrier.wait()
            page = tab.post(url, full_answers(topics, names, value=value))
            results.append(page.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(tab, v)) for tab, v in zip(tabs, ["2", "4"], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 302]  # one thank-you redirect, one polite "already received"
    assert Response.objects.filter(status=Response.Status.SUBMITTED).count() == 1
    assert Rating.objects.count() == 24
