"""Zero axe-core violations (WCAG 2.0/2.1/2.2 A and AA rule tags) on every respondent page (issue 14.3): landing,
questionnaire empty / half-filled / after a refused submit, thank-you, used, closed, not-yet-open and unknown
link, at 375 and 1280 px, in English and in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Questionnaire
from tests.browser.axe import run_axe
from tests.browser.respondent import answer, wait_for_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [(375, 812), (1280, 900)]
TOTALS: dict[str, int] = {}


def link(assessment, code: str) -> str:
    group = StakeholderGroup.objects.get(code=code)
    return services.open_link(services.questionnaire_for_group(assessment, group), group)


def links(library) -> dict[str, str]:
    """Tokens for an open questionnaire, a closed one and one not open yet."""
    weights = {g: 1.0 for g in StakeholderGroup.objects.all()}
    current = services.create_assessment(slug="axe", name="Axe", library=library, weights=weights)
    later = services.create_assessment(slug="later", name="Later", library=library, weights=weights)
    tokens = {"open": link(current, "customers"), "closed": link(current, "management"),
              "not_open": link(later, "customers")}
    now = timezone.now()
    Questionnaire.objects.filter(assessment=current, asks_magnitude=True).update(
        opens_at=now - dt.timedelta(days=9), closes_at=now - dt.timedelta(days=1))
    Questionnaire.objects.filter(assessment=later).update(opens_at=now + dt.timedelta(days=3))
    return tokens


def check(page, name: str, found: dict[str, list[str]]) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        problems = run_axe(page)
        found[f"{name} @{width}"] = problems


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_respondent_page_passes_axe(live_server, browser, library_2024, language):
    tokens = links(library_2024)
    context = browser.new_context()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    base = live_server.url + "/r/"
    found: dict[str, list[str]] = {}

    page.goto(base + tokens["open"] + "/")
    check(page, "landing", found)
    page.goto(base + tokens["open"] + "/questions/")
    check(page, "questionnaire empty", found)
    answer(page, 0, 12)
    wait_for_ratings(12)
    check(page, "questionnaire half-filled", found)
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#missing").is_visible()
    check(page, "after a refused submit", found)
    answer(page, 12, 24)
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_url("**/thanks/")
    check(page, "thank-you", found)
    page.goto(base + tokens["open"] + "/")
    check(page, "used", found)
    for name in ("closed", "not_open"):
        page.goto(base + tokens[name] + "/")
        check(page, name, found)
    page.goto(base + "not-a-real-link/")
    check(page, "unknown link", found)

    TOTALS[language] = sum(len(v) for v in found.values())
    print(f"axe {language}: {len(found)} page views, {TOTALS[language]} violations")
    assert {k: v for k, v in found.items() if v} == {}
    context.close()
