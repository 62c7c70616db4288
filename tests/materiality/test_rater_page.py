"""The secret-link rating page: only the rater's topics' IROs with exactly the criteria each kind needs, 1..S and
"Don't know", rationale, autosave and resume, submit once, closed links explained, both languages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from materiality.models import Assessment, AuditEntry, IroRating, RaterAssignment
from tests.materiality.rater_helpers import assign, load_register, rater_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def rater(assessment: Assessment, django_capture_on_commit_callbacks) -> tuple[RaterAssignment, str]:
    load_register(assessment)
    return assign(assessment, ["S07", "E01"], django_capture_on_commit_callbacks)


def ids(assessment: Assessment) -> dict[str, int]:
    return dict(assessment.iros.values_list("code", "pk"))


def test_the_page_shows_only_the_raters_iros_with_the_criteria_each_kind_needs(rater, assessment):
    _assignment, token = rater
    page = Client().get(reverse("materiality:rate", args=[token]))
    html = page.content.decode()
    pk = ids(assessment)
    assert page.status_code == 200 and "Battery safety incidents harm users" in html and "Green finance" not in html
    for name in ("scale", "scope", "irremediability", "likelihood"):
        assert f'name="i{pk["S07-I1"]}-{name}"' in html
    assert f'name="i{pk["S07-I1"]}-magnitude"' not in html
    assert f'name="i{pk["S07-R1"]}-magnitude"' in html and f'name="i{pk["S07-R1"]}-scale"' not in html
    # an actual positive impact: scale and scope only
    assert f'name="i{pk["E01-I1"]}-scope"' in html and f'name="i{pk["E01-I1"]}-likelihood"' not in html
    assert f'name="i{pk["E01-I1"]}-irremediability"' not in html
    assert f'id="i{pk["S07-I1"]}-scale-5"' in html and f'id="i{pk["S07-I1"]}-scale-6"' not in html
    assert "t know" in html and f'name="i{pk["S07-I1"]}-rationale"' in html
    assert "<script>" not in html and "js/autosave.js" in html
    rater[0].refresh_from_db()
    assert rater[0].status == RaterAssignment.Status.OPENED


def test_autosave_stores_a_draft_and_the_page_resumes_it(rater, assessment):
    assignment, token = rater
    pk = ids(assessment)
    client = Client()
    saved = client.post(reverse("materiality:rate_draft", args=[token]), {
        "topics": [pk["S07-I1"]], f"i{pk['S07-I1']}-scale": "4", f"i{pk['S07-I1']}-scope": "dk",
        f"i{pk['S07-I1']}-rationale": "Field reports"})
    assert saved.status_code == 200 and saved.json() == {"saved": 1}
    rating = IroRating.objects.get()
    assert (rating.rater, rating.scale, rating.scope, rating.dont_know, rating.rationale, rating.submitted_at) == (
        assignment.rater_key, 4, None, ["scope"], "Field reports", None)
    html = client.get(reverse("materiality:rate", args=[token])).content.decode()
    assert f'id="i{pk["S07-I1"]}-scale-4" value="4" autocomplete="off" checked' in html
    assert f'id="i{pk["S07-I1"]}-scope-dk" value="dk" autocomplete="off" checked' in html
    assert "Field reports</textarea>" in html


def test_bad_values_and_other_raters_iros_are_refused_and_change_nothing(rater, assessment):
    _assignment, token = rater
    pk = ids(assessment)
    url = reverse("materiality:rate_draft", args=[token])
    for data in ({"topics": [pk["S07-I1"]], f"i{pk['S07-I1']}-scale": "6"},
                 {"topics": [pk["G01-O1"]], f"i{pk['G01-O1']}-magnitude": "3"},
                 {"topics": ["x"]}):
        answer = Client().post(url, data)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid"
    assert not IroRating.objects.exists()


def test_submit_needs_every_criterion_then_closes_the_link(rater, assessment):
    assignment, token = rater
    pk = ids(assessment)
    url = reverse("materiality:rate", args=[token])
    client = Client()
    partial = {"topics": [pk["S07-R1"]], f"i{pk['S07-R1']}-magnitude": "3", f"i{pk['S07-R1']}-likelihood": "dk",
               "action": "submit"}
    refused = client.post(url, partial)
    assert refused.status_code == 400 and "S07-I1" in refused.content.decode()
    assert IroRating.objects.get().magnitude == 3  # what was given is kept
    full = {"topics": [pk["S07-I1"], pk["E01-I1"]], "action": "submit",
            **{f"i{pk['S07-I1']}-{c}": "4" for c in ("scale", "scope", "irremediability", "likelihood")},
            f"i{pk['E01-I1']}-scale": "2", f"i{pk['E01-I1']}-scope": "dk"}
    done = client.post(url, full)
    assert done.status_code == 302 and done.url == reverse("materiality:rate_thanks", args=[token])
    assignment.refresh_from_db()
    assert assignment.status == RaterAssignment.Status.SUBMITTED
    assert IroRating.objects.filter(submitted_at__isnull=False).count() == 3
    assert AuditEntry.objects.latest("pk").action == "rating.submit"
    again = client.get(url)
    assert again.status_code == 200 and "already received" in again.content.decode()
    late = client.post(reverse("materiality:rate_draft", args=[token]), partial)
    assert late.status_code == 409 and IroRating.objects.get(iro_id=pk["S07-R1"]).likelihood is None


def test_unknown_and_confirmed_links_say_why(rater, assessment):
    _assignment, token = rater
    assert Client().get(reverse("materiality:rate", args=["not-a-real-token-at-all-xyz"])).status_code == 404
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    closed = Client().get(reverse("materiality:rate", args=[token]))
    assert closed.status_code == 410 and "confirmed" in closed.content.decode()


def test_a_chinese_contact_sees_the_page_in_chinese(assessment, django_capture_on_commit_callbacks):
    load_register(assessment)
    _assignment, token = assign(assessment, ["S07"], django_capture_on_commit_callbacks,
                                contact=rater_contact("Wang Fang", language="zh-hans"))
    html = Client().get(reverse("materiality:rate", args=[token])).content.decode()
    assert "电池安全事故伤害用户" in html and "不知道" in html and 'lang="zh-hans"' in html


def test_the_page_costs_the_same_queries_for_one_or_sixty_iros(assessment, django_capture_on_commit_callbacks,
                                                                django_assert_num_queries):
    from materiality import iros
    from materiality.tables import read_csv

    header = "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect"
    kinds = ["impact,negative,potential,yes", "impact,positive,actual,no", "risk,,,", "opportunity,,,"]
    lines = [f"S07-X{n},S07,{kinds[n % 4]},IRO {n},,,own,medium,," for n in range(60)]
    iros.import_iros(assessment, read_csv("\n".join([header, "E01-I1,E01,impact,negative,actual,no,One,,,,,,",
                                                      *lines]).encode()))
    _a, small = assign(assessment, ["E01"], django_capture_on_commit_callbacks, contact=rater_contact("Ann One"))
    _b, large = assign(assessment, ["S07"], django_capture_on_commit_callbacks, contact=rater_contact("Bob Sixty"))
    client = Client()
    for token in (small, large):
        client.get(reverse("materiality:rate", args=[token]))  # first visit: marks the link opened
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for token in (small, large):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("materiality:rate", args=[token]))
        assert page.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6, counts
    assert page.content.decode().count('data-topic="') == 60
