"""The IRO register in a real browser: the form shows the chosen kind's fields only, and every register page
passes axe-core (WCAG 2.2 AA) on a desktop and at 375 px, in English and Chinese."""

from __future__ import annotations

import pytest

from materiality import iros
from materiality.tables import read_csv
from tests.browser.axe import violations
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REGISTER = (
    "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect,"
    "arises_from\n"
    "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,电池安全事故伤害用户,,own;downstream,"
    "long,customers,,\n"
    "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,short,customers,performance;cash_flows,S07-I1\n"
)


def test_the_form_shows_the_fields_of_the_chosen_kind(page, live_server, assessment, work_team_user):
    log_in(page, live_server, work_team_user.username, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.slug}/iros/new/")
    impact_fields, financial_fields = page.locator("#iro-impact-fields"), page.locator("#iro-financial-fields")
    page.get_by_label("Risk", exact=True).check()
    assert financial_fields.is_visible() and not impact_fields.is_visible()
    page.get_by_label("Impact", exact=True).check()
    assert impact_fields.is_visible() and not financial_fields.is_visible()
    page.get_by_label("Code").fill("E01-I1")
    page.get_by_label("Topic").select_option(label="E01 Respond to climate change 应对气候变化")
    page.get_by_label("Negative").check()
    page.get_by_label("Actual").check()
    page.locator("#iro-impact-fields").get_by_label("No").check()
    page.get_by_label("Title (English)").fill("GHG emissions of our plants")
    page.get_by_role("button", name="Save IRO").click()
    assert "Saved E01-I1" in page.content()
    assert assessment.iros.get(code="E01-I1").status == "actual"


@pytest.mark.parametrize("width", [1280, 375])
def test_register_pages_pass_axe(page, live_server, assessment, work_team_user, width):
    iros.import_iros(assessment, read_csv(REGISTER.encode()))
    iros.add_evidence_link(assessment.iros.get(code="S07-I1"), "https://example.org/log", note="Incident log")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, work_team_user.username, PASSWORD)
    base = f"{live_server.url}/assessments/{assessment.slug}"
    paths = [f"{base}/iros/", f"{base}/iros/?kind=risk", f"{base}/iro/S07-I1/", f"{base}/iro/S07-R1/edit/",
             f"{base}/iros/new/", f"{base}/iros/import/", f"{base}/iro/S07-R1/delete/",
             f"{live_server.url}/library/2024/topics/S07/", f"{live_server.url}/library/2024/"]
    for language in ("en", "zh-hans"):
        page.goto(f"{live_server.url}/")
        page.evaluate("lang => { document.cookie = 'django_language=' + lang + '; path=/'; }", language)
        for path in paths:
            page.goto(path)
            assert violations(page) == [], f"{path} ({language}, {width} px)"
            if width == 375:
                assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, f"{path} scrolls sideways"
