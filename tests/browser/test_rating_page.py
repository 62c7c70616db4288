"""A rater rates on a phone: taps and the keyboard, autosave, a closed tab resumed, Chinese, submit; axe-clean in
both languages at 375 px."""

from __future__ import annotations

import pytest
from django.core import mail

from materiality import raters
from materiality.models import IroRating, RaterAssignment
from tests.browser.axe import violations
from tests.materiality.rater_helpers import LINK, load_register, rater_contact

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rating_on_a_phone(live_server, browser, assessment):
    load_register(assessment)
    raters.assign_rater(assessment, list(assessment.library.topics.filter(code__in=["S07", "E01"])),
                        contact=rater_contact())
    url = live_server.url + f"/rate/{LINK.search(mail.outbox[-1].body).group(1)}/"

    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(url)
    cards = page.locator("[data-topic]")
    assert cards.count() == 3  # S07-I1, S07-R1, E01-I1; not G01's opportunity
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    first = cards.filter(has_text="S07-I1")  # the potential negative impact: four criteria
    assert first.locator("fieldset").count() == 4
    for fieldset in range(4):
        first.locator("fieldset").nth(fieldset).locator("label", has_text="4").click()
    first.locator("textarea").fill("Field reports of thermal runaway")
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Saved')")
    page.wait_for_function("() => document.getElementById('progress-text').textContent.startsWith('1 of 3')")
    page.close()  # the tab is closed mid-way

    page = context.new_page()
    page.goto(url)
    assert page.locator("input[type=radio]:checked").count() == 4
    cards = page.locator("[data-topic]")
    assert "thermal runaway" in cards.filter(has_text="S07-I1").locator("textarea").input_value()
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert violations(page) == []
    cards = page.locator("[data-topic]")
    risk = cards.filter(has_text="S07-R1")
    assert risk.locator("fieldset").count() == 2  # magnitude and likelihood
    risk.locator("fieldset").nth(0).locator("label", has_text="3").click()
    risk.locator("fieldset").nth(1).locator("label", has_text="不知道").click()
    positive = cards.filter(has_text="E01-I1")  # an actual positive impact: scale and scope
    assert positive.locator("fieldset").count() == 2
    positive.locator("fieldset").nth(0).locator("label", has_text="2").click()
    positive.locator("fieldset").nth(1).locator("input[value='5']").focus()
    page.keyboard.press("Space")  # the keyboard alone works too
    page.get_by_role("button", name="提交我的评分").click()
    page.wait_for_url("**/thanks/")
    assert violations(page) == []

    assignment = RaterAssignment.objects.get()
    assert assignment.status == RaterAssignment.Status.SUBMITTED
    ratings = {r.iro.code: r for r in IroRating.objects.select_related("iro")}
    assert (ratings["S07-R1"].magnitude, ratings["S07-R1"].dont_know) == (3, ["likelihood"])
    assert (ratings["E01-I1"].scale, ratings["E01-I1"].scope) == (2, 5)
    assert ratings["S07-I1"].rationale == "Field reports of thermal runaway"
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_raters_page_is_accessible_in_both_languages_on_a_phone(live_server, browser, assessment):
    from tests.browser.conftest import log_in
    from tests.conftest import PASSWORD, make_user

    load_register(assessment)
    raters.assign_rater(assessment, list(assessment.library.topics.filter(code="S07")), contact=rater_contact())
    make_user("wendy", "ESG work team")
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server, "wendy", PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.slug}/raters/")
    assert page.get_by_role("heading", name="Progress per rater").is_visible()
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.reload()
    assert page.get_by_role("heading", name="各评分人进度").is_visible()
    assert violations(page) == []
    context.close()
