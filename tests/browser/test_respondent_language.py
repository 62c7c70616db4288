"""The language select on the landing page switches the page (no inline handler: the CSP refuses those)."""

from __future__ import annotations

import pytest

from tests.browser.respondent import open_link_url, phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_choosing_chinese_on_the_landing_page_switches_it(live_server, browser, library_2024):
    context = phone(browser)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(open_link_url(live_server, library_2024))
    page.get_by_label("Language").select_option("zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.get_by_role("heading", name="我们为什么询问").is_visible()
    assert errors == []  # no CSP refusal of an inline handler
    context.close()
