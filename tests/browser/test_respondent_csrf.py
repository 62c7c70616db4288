"""No typed answer is lost to a refused CSRF check (issue 11.3): cookies cleared, or the token rotated by a log-in
in another tab. Autosave mends itself; a refused submit comes back with every answer and a plain message."""

from __future__ import annotations

import secrets

import pytest

from surveys.models import Rating, Response
from tests.browser.respondent import answer, drop_cookie, open_link_url, phone, wait_for_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def start(browser, live_server, library, language=None):
    context = phone(browser, language, live_server)
    page = context.new_page()
    page.goto(open_link_url(live_server, library) + "questions/")
    return context, page


def rotate_csrf(context, live_server) -> None:
    """What logging in elsewhere does: the browser's CSRF cookie gets a new secret the page's token no longer fits."""
    drop_cookie(context, "csrftoken")
    context.add_cookies([{"name": "csrftoken", "value": secrets.token_hex(16), "url": live_server.url}])


@pytest.mark.parametrize("lose", ["deleted", "rotated"])
def test_autosave_fetches_a_fresh_token_and_retries(live_server, browser, library_2024, lose):
    context, page = start(browser, live_server, library_2024)
    answer(page, 0, 6)
    wait_for_ratings(6)
    if lose == "deleted":
        drop_cookie(context, "csrftoken")
    else:
        rotate_csrf(context, live_server)
    answer(page, 6, 12)
    wait_for_ratings(12)
    assert "no longer be changed" not in page.locator("#save-status").inner_text()
    assert Response.objects.get().status == Response.Status.DRAFT
    assert Rating.objects.exclude(severity=None).count() == 12
    context.close()


def test_refused_submit_shows_every_answer_and_submits_the_second_time(live_server, browser, library_2024):
    context, page = start(browser, live_server, library_2024, language="zh-hans")
    page.route("**/draft/", lambda route: route.abort())  # nothing autosaved: the page alone holds the answers
    answer(page, 0, 24)
    drop_cookie(context, "csrftoken")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "您的回答仍在" in page.locator("#notice").inner_text()  # the plain message, in the respondent's language
    assert page.locator("input[type=radio]:checked").count() == 48  # every typed answer is back on the page
    assert not Rating.objects.exists()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/thanks/")
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED and response.language == "zh-hans"
    assert Rating.objects.filter(response=response).exclude(severity=None).exclude(likelihood=None).count() == 24
    context.close()


def test_submit_without_the_open_link_cookie_thanks_and_refuses_a_second(live_server, browser, library_2024):
    context, page = start(browser, live_server, library_2024)
    answer(page, 0, 24)
    wait_for_ratings(24)
    other = context.new_page()  # a second tab of the same browser, with every answer filled in too
    other.goto(page.url)
    drop_cookie(context, "dma_r")  # the open link's browser cookie is gone, the page is still open
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/thanks/")
    assert "Thank you" in page.locator("h1").inner_text()
    submitted = Response.objects.get(status=Response.Status.SUBMITTED)
    assert Rating.objects.filter(response=submitted).count() == 24
    # The thank-you page set this browser's new cookie: going back, or opening the link again, is refused.
    page.go_back()
    assert "already received" in page.locator("h1").inner_text()
    other.get_by_role("button", name="Submit my answers").click()
    assert "already received" in other.locator("h1").inner_text()
    page.goto(page.url.rsplit("questions/", 1)[0])
    assert "already received" in page.locator("h1").inner_text()
    assert Response.objects.filter(status=Response.Status.SUBMITTED).count() == 1
    context.close()
