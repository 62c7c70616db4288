"""CSRF_FAILURE_VIEW (issue 11.3): a refused check explains itself in the page's language, autosave gets JSON it
can retry on, and the questionnaire comes back with what was posted, saving nothing."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from surveys.models import Response
from tests.surveys.conftest import form_fields, full_answers


def test_other_pages_explain_the_refusal_in_english_and_chinese(db):
    english = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert english.status_code == 403 and "The page had expired" in english.content.decode()
    chinese = Client(enforce_csrf_checks=True, headers={"accept-language": "zh-hans"})
    page = chinese.post(reverse("login"), {"username": "x", "password": "y"})
    assert page.status_code == 403 and "页面已过期" in page.content.decode()
    assert 'lang="zh-hans"' in page.content.decode()


def test_autosave_gets_json_and_the_form_its_answers_back(sent):
    token = sent["customers.1@example.org"]
    browser = Client(enforce_csrf_checks=True)
    topics, names = form_fields(browser, token)
    draft = browser.post(reverse("surveys:respond_draft", kwargs={"token": token}), {"topics": topics[:1]})
    assert draft.status_code == 403 and draft.json() == {"error": "csrf"}
    page = browser.post(reverse("surveys:respond_form", kwargs={"token": token}),
                        {**full_answers(topics, names), "page_language": "zh-hans"})
    html = page.content.decode()
    assert page.status_code == 403 and "您的回答仍在页面上" in html
    assert html.count(" checked") == len(names)
    assert not Response.objects.exists()  # nothing posted without a valid token is stored


def test_a_fresh_session_gives_a_token_that_passes(sent):
    token = sent["customers.1@example.org"]
    browser = Client(enforce_csrf_checks=True)
    topics, names = form_fields(browser, token)
    fresh = browser.get(reverse("surveys:respond_session", kwargs={"token": token})).json()["csrf"]
    saved = browser.post(reverse("surveys:respond_draft", kwargs={"token": token}),
                         {"topics": topics[:1], "csrfmiddlewaretoken": fresh,
                          **{n: "3" for n in names if n.startswith(f"t{topics[0]}-")}})
    assert saved.status_code == 200 and saved.json()["answered"] == 1
    unknown = browser.get(reverse("surveys:respond_session", kwargs={"token": "nope"}))
    assert unknown.status_code == 404 and unknown.json() == {"error": "unknown"}
