"""One topic per screen (issue 14.1), optional per questionnaire and off by default: Next moves on, answers are
saved as they go, and coming back continues at the first unanswered topic."""

from __future__ import annotations

import pytest

from surveys.forms import QuestionnaireForm
from surveys.models import Questionnaire, Rating
from tests.browser.respondent import open_link_url, phone, wait_for_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_next_moves_on_and_progress_is_kept(live_server, browser, library_2024):
    url = open_link_url(live_server, library_2024) + "questions/"
    questionnaire = Questionnaire.objects.get(groups__code="customers")
    assert questionnaire.one_topic_per_screen is False  # off by default
    assert "one_topic_per_screen" in QuestionnaireForm(assessment=questionnaire.assessment).fields
    questionnaire.one_topic_per_screen = True
    questionnaire.save()

    context = phone(browser)
    page = context.new_page()
    page.goto(url)
    visible = page.locator("[data-topic]:visible")
    assert visible.count() == 1 and "Topic 1 of 24" in page.locator(".topic-pager").inner_text()
    for _ in range(3):
        card = visible.first
        card.locator("label", has_text="4").first.click()
        card.locator("label", has_text="Don't know").nth(1).click()
        page.get_by_role("button", name="Next topic").click()
    assert "Topic 4 of 24" in page.locator(".topic-pager").inner_text()
    wait_for_ratings(3)

    page.goto(url)  # coming back with the same link continues where it stopped
    assert "Topic 4 of 24" in page.locator(".topic-pager").inner_text()
    assert page.get_by_text("3 of 24 topics answered").is_visible()
    page.get_by_role("button", name="Previous topic").click()
    assert page.locator("[data-topic]:visible input[type=radio]:checked").count() == 2
    assert Rating.objects.count() == 3
    context.close()
