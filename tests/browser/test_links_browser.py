"""Links where people are (issue 14.5) in Chromium: the invitations page, the download page, a copied personal
link, the open link's QR code and its A4 poster have no axe-core violation at 1280 and 375 px, in English and
Chinese, and the poster prints on one A4 page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from materiality.organisation import OrganisationProfile
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import services
from tests.browser.axe import violations
from tests.browser.conftest import remove_assessments
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [(1280, 900), (375, 812)]


@pytest.fixture
def invited(assessment):
    services.create_default_questionnaires(assessment)
    OrganisationProfile.objects.create(pk=1, name_en="ACME Ltd", name_zh="艾克米公司", privacy_contact="dpo@acme.example")
    group = StakeholderGroup.objects.get(code="employees")
    for i, language in enumerate(["en", "zh-hans"]):
        Stakeholder.objects.create(name=f"Worker {i}", email=f"w{i}@example.org", group=group, language=language)
    services.create_invitations(assessment, group_codes=["employees"])
    yield assessment
    remove_assessments()


def check(page: object, label: str, width: int, found: dict[str, list[str]]) -> None:
    problems = violations(page)
    if width < 400 and page.evaluate("document.documentElement.scrollWidth") > width:  # type: ignore[attr-defined]
        problems.append("page scrolls sideways")
    if problems:
        found[f"{label} @{width}"] = problems


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_link_pages_have_no_axe_violation(browser, live_server, invited, work_team_user, locale):
    base, slug, found = live_server.url, invited.slug, {}
    language = "zh-hans" if locale.startswith("zh") else "en"
    for width, height in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      is_mobile=width < 400, has_touch=width < 400)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("dialog", lambda dialog: dialog.accept())  # "earlier links stop working. Continue?"
        page.goto(f"{base}/accounts/login/")
        page.locator("#id_username").fill(work_team_user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

        page.goto(base + reverse("surveys:invitation_list", args=[slug]))
        assert page.evaluate("document.documentElement.lang") == language
        check(page, "invitations", width, found)
        page.locator("form[action$='/link/'] button").first.click()
        page.wait_for_url(lambda url: url.endswith("/link/"))
        assert "/r/" in page.locator("#personal-url").input_value()
        check(page, "personal link", width, found)

        page.goto(base + reverse("surveys:links_download", args=[slug]))
        check(page, "download links", width, found)

        page.goto(base + reverse("surveys:invitation_list", args=[slug]))
        page.locator("form[action$='open-link/'] select").select_option(index=1)
        page.locator("form[action$='open-link/'] button[type=submit]").click()
        page.wait_for_url(lambda url: url.endswith("open-link/"))
        assert page.locator(".qr-preview svg").is_visible()
        check(page, "open link", width, found)

        with context.expect_page() as opened:
            page.locator("form[action$='poster/'] button").click()
        poster = opened.value
        poster.wait_for_load_state()
        assert poster.evaluate("document.documentElement.lang") == language
        assert poster.locator(".poster-qr svg").is_visible()
        check(poster, "poster", width, found)
        if width > 400:
            pdf = poster.pdf(format="A4", print_background=True)  # print CSS: one A4 sheet
            assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
        context.close()
    assert found == {}
