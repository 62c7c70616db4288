"""Every staff page of the demo in Chromium, at 1280 and 375 px, in English and Chinese: zero axe-core violations
(WCAG 2.0/2.1/2.2 A and AA rules) and no sideways scrolling of the page on a phone.

One test per language loads the demo once and walks all pages at both widths, so a failure lists every
violation at once instead of stopping at the first page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.urls import reverse

from materiality import services
from materiality.models import Assessment, IssueLibrary, RegisterEntry
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys.models import Response
from tests.browser.axe import violations
from tests.browser.conftest import remove_assessments

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [(1280, 900), (375, 812)]
DEMO_LOGIN = ("admin", "admin-demo")  # the superuser sees every page and every button on it


def staff_pages() -> list[str]:
    """The staff pages of the loaded demo, open and confirmed cycle alike (the respondent pages and the
    questionnaire preview, which renders the respondent's page, are the respondent test's)."""
    current, past = Assessment.objects.get(slug="dma-2024"), Assessment.objects.get(slug="dma-2023")
    draft_year = 2025
    topic = current.library.topics.order_by("position").first()
    questionnaire = current.questionnaires.order_by("pk").first()
    web = Response.objects.filter(assessment=current, source="web").order_by("pk").first()
    entry = RegisterEntry.objects.filter(assessment=past).select_related("topic").first()
    group = StakeholderGroup.objects.order_by("pk").first()
    contact = Stakeholder.objects.order_by("pk").first()
    pages = [
        reverse("home"),
        reverse("materiality:library_list"),
        reverse("materiality:library_create"),
        reverse("materiality:library_detail", args=[2024]),
        reverse("materiality:library_changes", args=[2024]),
        reverse("materiality:library_detail", args=[draft_year]),
        reverse("materiality:library_import", args=[draft_year]),
        reverse("materiality:topic_create", args=[draft_year]),
        reverse("materiality:topic_edit", args=[draft_year, topic.code]),
        reverse("materiality:topic_detail", args=[2024, topic.code]),
        reverse("materiality:audit_list"),
        reverse("materiality:audit_list") + "?page=2",
        reverse("surveys:assessment_list"),
        reverse("surveys:assessment_create"),
        reverse("stakeholders:group_list"),
        reverse("stakeholders:group_create"),
        reverse("stakeholders:group_detail", args=[group.code]),
        reverse("stakeholders:group_edit", args=[group.code]),
        reverse("stakeholders:contact_list"),
        reverse("stakeholders:contact_create"),
        reverse("stakeholders:contact_import"),
        reverse("stakeholders:contact_edit", args=[contact.pk]),
        reverse("password_change"),
        reverse("materiality:organisation"),
        reverse("surveys:questionnaire_create", args=[current.slug]),
        reverse("surveys:questionnaire_edit", args=[current.slug, questionnaire.pk]),
        reverse("surveys:assessment_edit", args=[current.slug]),
        reverse("surveys:response_detail", args=[current.slug, web.pk]),
        reverse("materiality:import_responses", args=[current.slug]),
        reverse("materiality:iro_create", args=[current.slug]),
        reverse("materiality:iro_import", args=[current.slug]),
        reverse("materiality:register_edit", args=[past.slug, entry.topic.code]),
    ]
    for slug in (current.slug, past.slug):
        pages += [reverse("surveys:assessment_detail", args=[slug]), reverse("surveys:invitation_list", args=[slug]),
                  reverse("surveys:response_tracking", args=[slug]), reverse("materiality:results", args=[slug]),
                  reverse("materiality:committee", args=[slug]), reverse("materiality:register", args=[slug]),
                  reverse("materiality:iro_list", args=[slug])]
    return pages


def log_in(page: object, base: str) -> None:
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    page.locator("#id_username").fill(DEMO_LOGIN[0])  # type: ignore[attr-defined]
    page.locator("#id_password").fill(DEMO_LOGIN[1])  # type: ignore[attr-defined]
    page.locator("#id_password").press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # type: ignore[attr-defined]


def check(page: object, label: str, width: int, found: dict[str, list[str]]) -> None:
    """Record the page's violations, and a page wider than a phone's screen."""
    problems = violations(page)
    if width < 400 and page.evaluate("document.documentElement.scrollWidth") > width:  # type: ignore[attr-defined]
        problems.append("page scrolls sideways")
    if problems:
        found[f"{label} @{width}"] = problems


def walk(browser: object, base: str, locale: str, width: int, height: int, pages: list[str],
         found: dict[str, list[str]]) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,  # type: ignore[attr-defined]
                                  is_mobile=width < 400, has_touch=width < 400)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/accounts/login/")
    check(page, "/accounts/login/", width, found)
    log_in(page, base)
    language = "zh-hans" if locale.startswith("zh") else "en"
    for path in pages:
        reply = page.goto(base + path)
        if reply is None or reply.status != 200 or page.evaluate("document.documentElement.lang") != language:
            found[f"{path} @{width}"] = [f"HTTP {reply.status if reply else '?'}, not in {language}"]
            continue
        check(page, path, width, found)
    # the open link page only exists as the answer to its form
    page.goto(base + reverse("surveys:invitation_list", args=["dma-2024"]))
    page.locator("form[action$='open-link/'] select").select_option(index=1)
    page.locator("form[action$='open-link/'] button[type=submit]").click()
    page.wait_for_url(lambda url: url.endswith("open-link/"))
    check(page, "open link", width, found)
    context.close()


@pytest.fixture
def demo(db: None) -> Iterator[None]:
    """The README's demo plus a draft library (whose editing pages only a draft shows)."""
    call_command("load_demo", stdout=io.StringIO())
    services.clone_library(IssueLibrary.objects.get(year=2024))
    yield
    remove_assessments()  # the demo's 2023 cycle is confirmed, with a stored pack


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_every_staff_page_has_no_axe_violation(browser, live_server, demo, locale):
    pages = staff_pages()
    found: dict[str, list[str]] = {}
    for width, height in WIDTHS:
        walk(browser, live_server.url, locale, width, height, pages, found)
    assert found == {}
