"""The open link's browser cookie follows the questionnaire's current close date (issue 11.3): a deadline moved
after the first visit still finds the draft, and the cookie is renewed to the new date on the next visit."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys.models import Questionnaire, Rating
from surveys.views.respond import OPEN_LINK_COOKIE_GRACE
from tests.browser.respondent import answer, open_link_url, phone, wait_for_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def cookie_expiry(context) -> dt.datetime:
    (cookie,) = [c for c in context.cookies() if c["name"].startswith("dma_r")]
    return dt.datetime.fromtimestamp(cookie["expires"], tz=dt.UTC)


def test_the_cookie_follows_a_moved_deadline(live_server, browser, library_2024):
    url = open_link_url(live_server, library_2024)
    context = phone(browser)
    page = context.new_page()
    page.goto(url + "questions/")
    answer(page, 0, 6)
    wait_for_ratings(6)
    questionnaire = Questionnaire.objects.get(groups__code="customers")
    assert abs(cookie_expiry(context) - (questionnaire.closes_at + OPEN_LINK_COOKIE_GRACE)) < dt.timedelta(seconds=2)

    questionnaire.closes_at += dt.timedelta(days=45)  # the work team extends the deadline
    questionnaire.save()
    page.goto(url)
    assert "6 of 24" in page.content()  # the draft is still this browser's
    assert abs(cookie_expiry(context) - (questionnaire.closes_at + OPEN_LINK_COOKIE_GRACE)) < dt.timedelta(seconds=2)
    assert Rating.objects.count() == 6
    context.close()
