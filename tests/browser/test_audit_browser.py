"""The audit page in Chromium at 375 px, in both languages: no axe-core violation, the table reachable by keyboard."""

from __future__ import annotations

import pytest

from materiality import audit, services
from tests.browser.axe import violations
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def lived_in(library_2024, work_team_user):
    draft = services.clone_library(library_2024, acting_user=work_team_user)
    for topic in draft.topics.order_by("position")[:4]:
        topic.name_en = f"{topic.name_en} (a much longer name that needs room on a phone)"
        services.save_topic(topic, predecessors=topic.predecessors.all(), acting_user=work_team_user)
    for i in range(60):
        audit.record(None, "run.succeed", after={"checksum": f"{i:064x}", "classes": {"major": 3, "general": 9}})
    return draft


@pytest.mark.parametrize("locale,heading", [("en-GB", "Audit trail"), ("zh-CN", "审计记录")])
def test_audit_page_on_a_phone(browser, live_server, lived_in, committee_user, locale, heading):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                                  locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")  # in the browser's language, so by the fields' ids
    page.locator("#id_username").fill(committee_user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/audit/?page=2")
    assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # only the table scrolls, not the page

    region = page.locator("[role=region][tabindex='0']")
    assert region.get_attribute("aria-labelledby") == "audit-caption"
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # it does scroll at this width
    for _ in range(80):  # the keyboard reaches the scroll region in the tab order
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "region":
            break
    else:
        pytest.fail("Tab never reached the audit table's scroll region")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=3000)  # smooth scrolling

    page.goto(f"{live_server.url}/audit/?action=topic.edit")
    assert violations(page) == []
    context.close()
