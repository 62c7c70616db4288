"""A stakeholder answers on a phone: half now, the rest later in Chinese; a second submit is refused politely."""

from __future__ import annotations

import pytest

from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Rating, Response

pytestmark = [pytest.mark.browser]  # the session's Chromium comes from tests/browser/conftest.py


def phone(browser):
    return browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_phone_journey_open_link(live_server, browser, library_2024):
    assessment = services.create_assessment(
        slug="phone", name="Phone", library=library_2024, weights={g: 1.0 for g in StakeholderGroup.objects.all()})
    group = StakeholderGroup.objects.get(code="customers")
    url = live_server.url + f"/r/{services.open_link(services.questionnaire_for_group(assessment, group), group)}/"

    context = phone(browser)
    page = context.new_page()
    page.goto(url)
    assert page.get_by_role("heading", name="Why we ask").is_visible()
    page.get_by_role("link", name="Start").click()
    cards = page.locator("[data-topic]")
    assert cards.count() == 24
    # Answer the first half with the keyboard and taps, letting autosave store it.
    for i in range(12):
        card = cards.nth(i)
        card.locator("label", has_text="4").first.click()
        card.locator("label", has_text="Don't know").nth(1).click()
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Saved')")
    page.wait_for_function("() => document.getElementById('progress-text').textContent.startsWith('12 of 24')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    page.close()  # the tab is closed mid-way

    page = context.new_page()
    page.goto(url)
    assert "12 of 24" in page.content()
    page.get_by_role("link", name="Continue").click()
    assert page.locator("input[type=radio]:checked").count() == 24
    page.get_by_role("button", name="中文").click()
    page.wait_for_url("**/questions/*")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("input[type=radio]:checked").count() == 24  # switching language kept everything
    cards = page.locator("[data-topic]")
    for i in range(12, 24):
        card = cards.nth(i)
        card.locator("label", has_text="2").first.click()
        card.locator("label", has_text="3").nth(1).focus()
        page.keyboard.press("Space")  # keyboard alone works too
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/thanks/")
    assert page.locator("h1").is_visible()

    response = Response.objects.get(assessment=assessment)
    assert response.status == Response.Status.SUBMITTED and response.language == "zh-hans"
    assert Rating.objects.filter(response=response).count() == 24
    assert Rating.objects.filter(response=response, likelihood=None).count() == 12

    # Submitting again (a second tab, the back button) is refused politely.
    page.go_back()
    page.reload()
    assert "已" in page.locator("h1").inner_text() or "already" in page.content()
    context.close()
