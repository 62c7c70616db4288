"""The committee chair overrides a topic with a reason, sees the blocking checks, confirms by typing the name in a
dialog (no axe-core violation, both languages), downloads the stored pack; later edits are refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest

from materiality import roles
from materiality.models import Assessment, ClassOverride, ConfirmedPack
from tests.browser.axe import violations
from tests.browser.conftest import log_in, remove_assessments
from tests.conftest import PASSWORD, make_user
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def confirmable(assessment: Assessment) -> Iterator[Assessment]:
    """A scored assessment; afterwards its frozen rows are removed so that the test database can be flushed."""
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=6, seed=9)
    score(assessment, draw=True)
    yield assessment
    remove_assessments()


def test_chair_overrides_confirms_and_downloads_the_pack(page, live_server, confirmable, work_team_user):
    from django.contrib.auth.models import Group

    chair = make_user("chen", roles.COMMITTEE)
    chair.groups.add(Group.objects.get(name=roles.CHAIR))
    log_in(page, live_server, "chen", PASSWORD)
    page.goto(f"{live_server.url}/assessments/{confirmable.slug}/committee/")
    first = confirmable.score_runs.get().topic_scores.select_related("topic").order_by("rank").first()
    row = page.locator(f"#topic-{first.topic.code}")
    row.get_by_text("Propose a class").click()
    new = "general" if first.classification != "general" else "major"
    row.locator("select[name=new_class]").select_option(new)
    row.get_by_role("button", name="Save class").click()
    assert "needs a written reason" in page.content()  # no reason: refused
    row = page.locator(f"#topic-{first.topic.code}")
    row.get_by_text("Propose a class").click()
    row.locator("select[name=new_class]").select_option(new)
    row.get_by_label("Reason", exact=True).fill("Our supplier audit shows a lower exposure")
    row.get_by_label("Reason (Chinese)").fill("供应商审核显示风险较低")  # optional: the Chinese chapter prints it
    row.get_by_role("button", name="Save class").click()
    shown = page.locator(f"#topic-{first.topic.code}").inner_text()
    assert "Our supplier audit shows a lower exposure" in shown and "供应商审核显示风险较低" in shown

    # The register is empty and the questionnaires are open: the page names the blocking check, the button is off.
    assert "complete step-3 register entry" in page.locator("#confirm-blocked").inner_text()
    assert page.locator("#confirm-button").is_disabled()
    run = confirmable.score_runs.get()
    make_confirmable(run, chair)  # the work team completes the register, the committee comments, surveys close
    for language in ("en", "zh-hans"):
        page.evaluate("lang => { document.cookie = 'django_language=' + lang + '; path=/'; }", language)
        page.goto(f"{live_server.url}/assessments/{confirmable.slug}/committee/")
        page.locator("#confirm-button").click()
        page.locator("#confirm-dialog").wait_for(state="visible")
        # axe reads colours as painted: wait until the dialog has faded in fully
        page.wait_for_function("() => getComputedStyle(document.querySelector('#confirm-dialog')).opacity === '1'"
                               " && document.querySelector('#confirm-dialog').classList.contains('show')")
        page.wait_for_timeout(400)
        assert violations(page, "#confirm-dialog") == [], language
        assert violations(page, "#confirmation-checks") == [], language
        page.keyboard.press("Escape")
        page.locator("#confirm-dialog").wait_for(state="hidden")
    page.evaluate("() => { document.cookie = 'django_language=en; path=/'; }")
    page.goto(f"{live_server.url}/assessments/{confirmable.slug}/committee/")
    page.locator("#confirm-button").click()
    name = page.get_by_label("Type the assessment's name")
    name.fill(confirmable.name[:-1])
    assert page.locator("#confirm-submit").is_disabled()  # not the exact name: nothing to click
    name.fill(confirmable.name)
    page.locator("#confirm-submit").click()
    assert page.locator("#confirmed-badge").is_visible()
    stored = ConfirmedPack.objects.get()
    assert stored.sha256 in page.locator("#pack-checksum").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report pack").click()
    content = open(download_info.value.path(), "rb").read()
    assert content == bytes(stored.content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert "results.xlsx" in archive.namelist() and "audit-trail.csv" in archive.namelist()
    assert page.get_by_role("button", name="Save class").count() == 0  # no edit controls once frozen

    # Later, the work team tries to edit the register: refused with a message, nothing changes.
    page.context.clear_cookies()
    log_in(page, live_server, work_team_user.username, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{confirmable.slug}/register/{first.topic.code}/")
    assert "can no longer change" in page.content()
    assert ClassOverride.objects.get().reason == "Our supplier audit shows a lower exposure"
    assert Assessment.objects.get(pk=confirmable.pk).is_confirmed


@pytest.mark.parametrize("width", [1280, 375])
def test_committee_reviews_iros_beside_topics(page, live_server, assessment, width):
    """An esrs-1 assessment's committee page shows each topic's IROs, rationales on demand; axe-clean, both languages."""
    from materiality.models import IroRating
    from tests.materiality.esrs_factory import esrs_assessment, make_register, rate

    iros = make_register(assessment, topics=4, per_topic=2)
    rate(iros, raters=3)
    IroRating.objects.filter(iro=iros[0], rater="rater-000").update(rationale="Thermal runaway in the field")
    esrs_assessment(assessment)
    score(assessment, draw=True)
    member = make_user("cleo", roles.COMMITTEE)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, member.username, PASSWORD)
    for language in ("en", "zh-hans"):
        page.goto(f"{live_server.url}/")
        page.evaluate("lang => { document.cookie = 'django_language=' + lang + '; path=/'; }", language)
        page.goto(f"{live_server.url}/assessments/{assessment.slug}/committee/")
        line = page.locator(f'[data-iro="{iros[0].code}"]')
        line.locator("summary").click()
        assert page.get_by_text("Thermal runaway in the field").is_visible()
        assert violations(page) == [], f"{language}, {width} px"
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, "the page scrolls sideways"
