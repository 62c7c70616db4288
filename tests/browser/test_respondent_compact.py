"""A compact questionnaire on a phone (issue 14.1): at 375x812, as it first renders, the impact-only demo
questionnaire is at most 8 screens tall and the management one at most 16, in English and in Chinese, with no
sideways scrolling; scale-end labels sit at the ends of the scale at every width."""

from __future__ import annotations

import pytest

from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Questionnaire
from tests.browser.respondent import phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREEN = 812
LIMITS = {"impact": 8, "management": 16}
MEASURED: dict[tuple[str, str], float] = {}


def questionnaire_url(live_server, library, kind: str) -> str:
    assessment = services.create_assessment(
        slug="compact", name="Compact", library=library, weights={g: 1.0 for g in StakeholderGroup.objects.all()})
    questionnaire = Questionnaire.objects.get(assessment=assessment, asks_magnitude=(kind == "management"))
    group = questionnaire.groups.order_by("pk").first()
    return f"{live_server.url}/r/{services.open_link(questionnaire, group)}/questions/"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("kind", ["impact", "management"])
def test_the_questionnaire_fits_the_screen_budget(live_server, browser, library_2024, kind, language):
    context = phone(browser, language, live_server)
    page = context.new_page()
    page.goto(questionnaire_url(live_server, library_2024, kind))
    assert page.locator("html").get_attribute("lang") == language
    height = page.evaluate("document.documentElement.scrollHeight")
    screens = height / SCREEN
    MEASURED[kind, language] = screens
    print(f"{kind} {language}: {height} px = {screens:.2f} screens")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    assert screens <= LIMITS[kind], f"{kind} questionnaire in {language}: {screens:.2f} screens"
    context.close()
