"""The results page's matrix on a phone and a desktop, in English and Chinese: the table first on a phone, the
picture in the page's language, no sideways scrolling at 375 px, and axe-core (WCAG 2.2 AA) finds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from materiality.models import Assessment
from tests.browser.axe import violations
from tests.conftest import PASSWORD
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def drawn(assessment: Assessment) -> Iterator[Assessment]:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=4, seed=7)
    score(assessment, draw=True)
    yield assessment


@pytest.mark.parametrize(("width", "locale"), [(375, "en-GB"), (375, "zh-CN"), (1280, "en-GB"), (1280, "zh-CN")])
def test_results_matrix_reads_on_a_phone_and_a_desktop(browser, live_server, drawn, committee_user, width, locale):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/")  # by field names: the labels are in the page's language
        page.locator("input[name=username]").fill(committee_user.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.goto(f"{live_server.url}/assessments/{drawn.slug}/results/")
        details = page.locator("details[data-open-narrow]")
        image = page.locator("figure.matrix-figure img")
        assert details.evaluate("d => d.open") is (width < 768)  # a phone gets the table first, open
        language = "zh-hans" if locale == "zh-CN" else "en"
        assert f"lang={language}" in image.get_attribute("src")
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") >= 1600  # the 200 dpi picture, scaled to the page
        described = image.get_attribute("aria-describedby")
        rows = page.locator(f"#{described} tbody tr")
        assert rows.count() == drawn.score_runs.get().topic_scores.count()
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
            assert image.bounding_box()["width"] <= 375
        details.evaluate("d => { d.open = true; }")
        # The matrix card (figure, description, downloads). The rest of the page is other work: on it axe finds the
        # navbar's log-out button and the heat map's grey figures on dark cells short of contrast.
        assert violations(page, "#matrix-card") == []
    finally:
        context.close()
