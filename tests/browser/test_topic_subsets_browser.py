"""The questionnaire's topic subsets in Chromium (issue 14.6): the edit page has no axe-core violation at 1280 and
375 px in English and Chinese, with a group's block open, and its select none / select all buttons tick the boxes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Questionnaire
from tests.browser.axe import violations
from tests.browser.conftest import remove_assessments
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [(1280, 900), (375, 812)]


@pytest.fixture
def questionnaire(assessment):
    services.create_default_questionnaires(assessment)
    yield Questionnaire.objects.filter(assessment=assessment).order_by("pk").first()
    remove_assessments()


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_subsets_on_the_edit_page(browser, live_server, questionnaire, work_team_user, locale):
    suppliers = StakeholderGroup.objects.get(code="suppliers")
    url = live_server.url + reverse("surveys:questionnaire_edit", args=[questionnaire.assessment.slug, questionnaire.pk])
    found: dict[str, list[str]] = {}
    for width, height in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      is_mobile=width < 400, has_touch=width < 400)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill(work_team_user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(url)
        block = page.locator(f"#subset-{suppliers.pk}")
        block.locator("summary").click()
        boxes = block.locator("input[type=checkbox]")
        block.locator("[data-check-none]").click()
        assert boxes.evaluate_all("boxes => boxes.filter(b => b.checked).length") == 0
        block.locator("[data-check-all]").click()
        assert boxes.evaluate_all("boxes => boxes.every(b => b.checked)")
        problems = violations(page)
        if width < 400 and page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append("page scrolls sideways")
        if problems:
            found[f"edit @{width}"] = problems
        context.close()
    assert found == {}
