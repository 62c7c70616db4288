"""A work-team user clones the 2024 library into 2025, renames a topic and sees it in the changes view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from materiality.models import Topic
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_clone_rename_and_see_the_change(page, live_server, library_2024, work_team_user):
    log_in(page, live_server, work_team_user.username, PASSWORD)
    page.get_by_role("link", name="Issue library").first.click()
    page.get_by_role("link", name="Clone").first.click()
    assert page.get_by_label("New reporting year").input_value() == "2025"
    page.get_by_role("button", name="Clone").click()
    expect(page.get_by_text("Cloned 2024 into 2025")).to_be_visible()  # waits for the next page, unlike content()

    page.locator("#topic-S09").get_by_role("link", name="Edit").click()
    page.get_by_label("Name (English)").fill("Labour rights")
    page.get_by_label("Name (Chinese)").fill("劳工权益")
    page.get_by_role("button", name="Save topic").click()
    expect(page.get_by_text("Saved S09 Labour rights")).to_be_visible()

    page.get_by_role("link", name="Changes").first.click()
    row = page.locator("#changes tr", has_text="Labour rights")
    expect(row).to_have_count(1)  # count() does not wait: on a loaded machine the changes page was not there yet
    assert "Employee rights and interests protection" in row.inner_text()
    assert "Renamed" in row.inner_text()
    assert Topic.objects.get(library__year=2025, code="S09").change_kind == "renamed"


def test_committee_sees_no_edit_controls(page, live_server, library_2024, committee_user):
    log_in(page, live_server, committee_user.username, PASSWORD)
    page.goto(f"{live_server.url}/library/2024/")
    assert page.get_by_role("heading", name="CALB 2024 issue library").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.get_by_role("link", name="Clone to next year").count() == 0


def test_anonymous_visitor_sees_only_the_log_in_page(page, live_server, library_2024):
    page.goto(f"{live_server.url}/library/2024/")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("button", name="Log in").is_visible()
