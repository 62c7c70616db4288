"""The respondent's requests run a fixed, small number of queries (pinned here for the submit, autosave and page
paths), and the per-process caches that make them cheap never show one page's state or language on another.

Inside a test every transaction is a savepoint, so BEGIN/COMMIT show up here as SAVEPOINT/RELEASE.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from surveys import services
from surveys.models import Invitation, Rating, Response
from tests.surveys.conftest import form_fields, full_answers, invitation_for

EMAIL = "customers.1@example.org"


@pytest.fixture
def token(sent: dict) -> str:
    return sent[EMAIL]


def statements(queries) -> list[str]:
    """The first word of each statement, plus the table it writes or reads first."""
    kinds = []
    for query in queries.captured_queries:
        words = query["sql"].split()
        table = next((w.strip('"') for w in words if w.startswith(('"surveys_', '"materiality_', '"stakeholders_'))), "")
        kinds.append(f"{words[0]} {table.split('.')[0].strip(chr(34))}".strip())
    return kinds


def start_draft(client: Client, token: str) -> None:
    """Create the draft as a browser's first autosave does (opening the page writes nothing)."""
    assert client.post(reverse("surveys:respond_draft", kwargs={"token": token}), {}).status_code == 200


def test_submitting_the_full_form_is_two_lookups_and_one_transaction(client, token, django_assert_num_queries):
    topics, names = form_fields(client, token)
    start_draft(client, token)
    # Each response service first checks that the assessment is not confirmed (one primary-key look-up).
    with django_assert_num_queries(9) as queries:
        page = client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names))
    assert page.status_code == 302
    assert statements(queries) == [
        "SELECT surveys_invitationtoken", "SELECT materiality_assessment", "SELECT surveys_response",
        "SELECT materiality_assessment",
        "SAVEPOINT", "UPDATE surveys_response", "UPDATE surveys_invitation", "INSERT surveys_rating", "RELEASE",
    ]
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED and Rating.objects.filter(response=response).count() == 24
    assert invitation_for(EMAIL).status == Invitation.Status.SUBMITTED


def test_an_incomplete_submit_saves_without_reading_back(client, token, django_assert_num_queries):
    topics, names = form_fields(client, token)
    start_draft(client, token)
    # the page shown again reads the ratings it shows, and the organisation profile for its header and title
    with django_assert_num_queries(10) as queries:
        page = client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names[:-1]))
    assert page.status_code == 400 and "still needs an answer" in page.content.decode()
    assert Response.objects.get().status == Response.Status.DRAFT and Rating.objects.count() == 24
    assert statements(queries) == [
        "SELECT surveys_invitationtoken", "SELECT materiality_assessment", "SELECT surveys_response",
        "SELECT materiality_assessment",
        "SAVEPOINT", "UPDATE surveys_response", "INSERT surveys_rating", "RELEASE", "SELECT surveys_rating",
        "SELECT materiality_organisationprofile",
    ]


def test_autosave_is_two_lookups_one_transaction_and_the_progress(client, token, django_assert_num_queries):
    topics, names = form_fields(client, token)
    start_draft(client, token)
    first = [n for n in names if n.startswith(f"t{topics[0]}-")]
    with django_assert_num_queries(8) as queries:
        page = client.post(reverse("surveys:respond_draft", kwargs={"token": token}),
                           {"topics": [topics[0]], **{n: "3" for n in first}})
    assert page.status_code == 200 and page.json()["answered"] == 1
    assert statements(queries) == [
        "SELECT surveys_invitationtoken", "SELECT surveys_response",
        "SELECT materiality_assessment",
        "SAVEPOINT", "UPDATE surveys_response", "INSERT surveys_rating", "RELEASE", "SELECT surveys_rating",
    ]


def test_first_visit_to_the_form(client, token, django_assert_num_queries, cycle):
    services.questionnaire_topics(invitation_for(EMAIL).questionnaire)  # another respondent already warmed it
    with django_assert_num_queries(5) as queries:
        page = client.get(reverse("surveys:respond_form", kwargs={"token": token}))
    assert page.status_code == 200
    assert statements(queries) == [  # the one write marks the personal link opened; no draft until a save
        "SELECT surveys_invitationtoken", "SELECT stakeholders_stakeholder", "UPDATE surveys_invitation",
        "SELECT surveys_response",
        "SELECT materiality_organisationprofile",  # which company is asking, for the header and title
    ]


def test_coming_back_to_the_form(client, token, django_assert_num_queries):
    topics, names = form_fields(client, token)
    client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names[:10], action="save"))
    with django_assert_num_queries(4):  # token, response, ratings, organisation profile: a GET writes nothing
        page = client.get(reverse("surveys:respond_form", kwargs={"token": token}))
    assert page.status_code == 200 and page.content.decode().count(" checked") == 10


def test_a_published_library_topic_list_is_read_once_per_process(cycle, django_assert_num_queries):
    questionnaire = cycle.questionnaires.select_related("assessment__library").first()
    services.published_topics.cache_clear()
    with django_assert_num_queries(1):
        topics = services.questionnaire_topics(questionnaire)
    topics.pop()  # the caller's list is its own
    with django_assert_num_queries(0):
        again = services.questionnaire_topics(questionnaire)
    assert len(again) == 24 and [t.pillar for t in again] == sorted((t.pillar for t in again), key="ESG".index)


# --- what the per-process caches must never do: show one page's state or language on another -------------------

def test_a_kept_blank_card_is_never_served_in_the_wrong_language(client, sent):
    english = client.get(reverse("surveys:respond_form", kwargs={"token": sent[EMAIL]})).content.decode()
    assert english.count("value=dk>Don't know</label>") == 48
    assert english.count("</span>Severity of the impact</legend>") == 24
    chinese = Client().get(reverse("surveys:respond_form", kwargs={"token": sent["customers.2@example.org"]}))
    html = chinese.content.decode()
    assert html.count("value=dk>不知道</label>") == 48 and html.count("</span>影响的严重程度</legend>") == 24
    assert "Don't know" not in html and "Severity of the impact" not in html


def test_a_kept_blank_card_never_hides_an_answer(client, sent):
    other, url = Client(), reverse("surveys:respond_form", kwargs={"token": sent[EMAIL]})
    topics, _ = form_fields(other, sent["community.1@example.org"])  # same questionnaire: its blank cards are kept
    half, done = topics[0], topics[1]  # one item answered ("Don't know"), and both items answered
    client.post(url, {"topics": [half, done], f"t{half}-likelihood": "dk", f"t{done}-severity": "2",
                      f"t{done}-likelihood": "4", "action": "save"})
    html = client.get(url).content.decode()
    assert html.count(" checked") == 3 and html.count("topic-done") == 1
    assert f'name=t{half}-likelihood value=dk checked' in html
