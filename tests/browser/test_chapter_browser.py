"""The chapter's HTML and the chapter links of the confirmed results page pass axe-core and fit a 375 px phone, in
English and Chinese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group

from materiality import chapter, roles, services
from materiality.models import Assessment
from tests.browser.axe import violations
from tests.browser.conftest import log_in, remove_assessments
from tests.conftest import PASSWORD, make_user
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def confirmed(assessment: Assessment) -> Iterator[Assessment]:
    """A confirmed assessment with its matrix; afterwards its frozen rows are removed so the database can be flushed."""
    chair = make_user("chen", roles.COMMITTEE)
    chair.groups.add(Group.objects.get(name=roles.CHAIR))
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=5, seed=13)
    make_confirmable(score(assessment, draw=True), chair)
    services.confirm_assessment(assessment, acting_user=chair)
    yield assessment
    remove_assessments()


def fits(page: object) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # type: ignore[attr-defined]


def test_chapter_html_and_results_page_pass_axe_at_375_px(page, live_server, confirmed, work_team_user):
    page.set_viewport_size({"width": 375, "height": 800})
    for language in chapter.LANGUAGES:
        page.set_content(chapter.render(confirmed, language, "html").decode("utf-8"))
        assert page.locator("#table-step3 tbody tr").count() == len(services.register_topics(confirmed))
        assert violations(page) == [], language
        assert fits(page), language
    log_in(page, live_server, work_team_user.username, PASSWORD)
    for language in chapter.LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/assessments/{confirmed.slug}/results/")
        assert page.locator("#chapter-downloads a").count() == 4
        # The links this issue adds; the results table's own findings belong to that page's owner.
        assert violations(page, "#chapter-downloads") == [], language
        assert fits(page), language
