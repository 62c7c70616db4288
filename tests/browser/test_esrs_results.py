"""The results page of an esrs-1 assessment passes axe-core on a desktop and at 375 px, in English and Chinese,
and its rationales open on demand."""

from __future__ import annotations

import pytest

from materiality.models import IroRating
from tests.browser.axe import violations
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.materiality.conftest import score
from tests.materiality.esrs_factory import esrs_assessment, make_register, rate
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("width", [1280, 375])
def test_esrs_results_pass_axe(page, live_server, assessment, work_team_user, width):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=4, seed=3)
    iros = make_register(assessment, topics=5, per_topic=2)
    rate(iros, raters=3)
    IroRating.objects.filter(iro=iros[0], rater="rater-000").update(rationale="Thermal runaway in the field")
    esrs_assessment(assessment)
    score(assessment, draw=True)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, work_team_user.username, PASSWORD)
    url = f"{live_server.url}/assessments/{assessment.slug}/results/"
    for language in ("en", "zh-hans"):
        page.goto(f"{live_server.url}/")
        page.evaluate("lang => { document.cookie = 'django_language=' + lang + '; path=/'; }", language)
        page.goto(url)
        assert page.locator("#iro-ranking").is_visible()
        page.locator("#iro-ranking tr", has_text=iros[0].code).locator("summary").click()
        assert page.get_by_text("Thermal runaway in the field").is_visible()
        assert violations(page) == [], f"{language}, {width} px"
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, "the page scrolls sideways"
        # The matrix with every IRO as a point: the link switches to it, the SVG loads, the page stays clean.
        page.get_by_role("link", name="议题及其 IRO" if language == "zh-hans" else "Topics and their IROs").click()
        figure = page.locator("img[src*='layer=iros']")
        figure.wait_for()
        assert figure.evaluate("img => img.complete && img.naturalWidth > 0"), f"{language}: no IRO matrix"
        if width == 375:
            assert page.locator("#matrix-card details[open]").count() == 1  # the table opens by itself on a phone
        assert violations(page) == [], f"{language}, {width} px, matrix with IROs"
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, "the IRO matrix scrolls sideways"
