"""Playwright in Debian's Chromium against the live test server; never a downloaded browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be allowed here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page: object, live_server: object, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]


def remove_assessments() -> None:
    """Delete every assessment after a transactional test, confirmed ones and their stored packs included.

    Flushing deletes rows one by one on SQLite, which the freeze triggers refuse: lift them for the clean-up, and
    the stored report packs' own trigger too.
    """
    from django.db import connection

    from materiality import freeze, pack_models
    from materiality.models import Assessment, ConfirmedPack, IroScore

    freeze.uninstall(connection)
    pack_models.run_sql(connection, pack_models.DROP_SQL)
    try:
        ConfirmedPack.objects.all()._raw_delete(ConfirmedPack.objects.db)
        IroScore.objects.all().delete()  # a run's IRO scores protect their IROs: remove them before the cascade
        Assessment.objects.all().delete()
    finally:
        freeze.install(connection)
        pack_models.run_sql(connection, pack_models.TRIGGER_SQL)
