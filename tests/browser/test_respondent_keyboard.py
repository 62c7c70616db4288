"""Keyboard and focus on the questionnaire (issue 14.2): Enter never switches the language, the focused element
stays clear of the sticky progress bar, and a refused submit focuses the summary and marks each unanswered topic."""

from __future__ import annotations

import pytest

from surveys.models import Response
from tests.browser.respondent import answer, open_link_url, phone, wait_for_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VISIBLE_BELOW_BAR = """() => {
  let el = document.activeElement;
  if (el.classList.contains('btn-check')) el = el.nextElementSibling;
  const bar = document.querySelector('.respond-progress').getBoundingClientRect();
  const r = el.getBoundingClientRect();
  return r.top >= bar.bottom - 1 && r.bottom <= window.innerHeight + 1;
}"""


@pytest.mark.parametrize("script", [True, False])
def test_enter_on_a_rating_keeps_the_language(live_server, browser, library_2024, script):
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=script)
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page = context.new_page()
    page.goto(open_link_url(live_server, library_2024) + "questions/")
    radio = page.locator("[data-topic] input[type=radio]").nth(2)
    radio.focus()
    page.keyboard.press("Space")
    if script:
        page.keyboard.press("Enter")
        wait_for_ratings(1)  # autosave stored the rating; Enter navigated nowhere meanwhile
        assert "?" not in page.url and "#" not in page.url
    else:  # without script Enter is the form's default button: Save, never a language button
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("?saved=1") and Response.objects.get().language == "zh-hans"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    context.close()


def test_shift_tab_and_jumps_stay_below_the_sticky_bar(live_server, browser, library_2024):
    context = phone(browser)
    page = context.new_page()
    page.goto(open_link_url(live_server, library_2024) + "questions/")
    page.locator("[data-topic]").nth(10).locator("textarea").evaluate("t => t.closest('details').open = true")
    page.locator("[data-topic]").nth(10).locator("textarea").focus()
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        page.wait_for_function(VISIBLE_BELOW_BAR, timeout=2_000)
    context.close()


def test_refused_submit_focuses_the_summary_and_marks_every_unanswered_topic(live_server, browser, library_2024):
    context = phone(browser)
    page = context.new_page()
    page.goto(open_link_url(live_server, library_2024) + "questions/")
    answer(page, 0, 20)
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "missing"
    marked = page.locator(".topic-missing")
    assert marked.count() == 4
    for i in range(4):
        assert marked.nth(i).get_by_text("This topic still needs an answer.").is_visible()
    assert page.locator("[data-topic]:not(.topic-missing) .topic-missing-note:visible").count() == 0
    page.locator("#missing a").last.click()  # the jump lands on the topic's first item, clear of the bar
    assert page.evaluate("document.activeElement.closest('[data-topic]').id") == page.locator(
        ".topic-missing").last.get_attribute("id")
    page.wait_for_function(VISIBLE_BELOW_BAR, timeout=2_000)
    context.close()
