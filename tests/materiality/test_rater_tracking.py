"""The raters page: the work team assigns raters and follows progress per rater and per topic; only the work
team sees or changes it; bad input gets a message and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from materiality import iro_ratings, raters
from materiality.models import Assessment, RaterAssignment
from tests.conftest import client_for
from tests.materiality.rater_helpers import assign, load_register, rater_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(assessment: Assessment) -> Assessment:
    load_register(assessment)
    return assessment


def test_progress_per_rater_and_per_topic(register, django_capture_on_commit_callbacks):
    assignment, _token = assign(register, ["S07", "E01"], django_capture_on_commit_callbacks)
    iros = raters.iros_to_rate(assignment)
    risk = next(i for i in iros if i.code == "S07-R1")
    impact = next(i for i in iros if i.code == "S07-I1")
    iro_ratings.save_ratings(assignment, {
        risk: iro_ratings.Answer({"magnitude": 3, "likelihood": None}, ("likelihood",), ""),
        impact: iro_ratings.Answer({"scale": 3}, (), ""),  # incomplete: three criteria unanswered
    })
    per_rater, per_topic = raters.progress(register)
    assert [(r.name, r.iros, r.rated) for r in per_rater] == [("Mia Manager", 3, 1)]
    by_code = {t.topic.code: t for t in per_topic}
    assert (by_code["S07"].iros, by_code["S07"].raters, by_code["S07"].expected, by_code["S07"].rated) == (2, 1, 2, 1)
    assert (by_code["G01"].raters, by_code["G01"].expected) == (0, 0)


def test_the_work_team_assigns_from_the_page(register, work_team_user, django_capture_on_commit_callbacks):
    contact = rater_contact()
    client = client_for(work_team_user)
    url = reverse("materiality:rater_list", args=[register.slug])
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"rater": f"contact:{contact.pk}", "topics": ["S07", "G01"]})
    assert done.status_code == 302
    assignment = RaterAssignment.objects.get()
    assert sorted(t.code for t in assignment.topics.all()) == ["G01", "S07"]
    assert assignment.status == RaterAssignment.Status.SENT
    page = client.get(url).content.decode()
    assert "Mia Manager" in page and "0 of 3" in page and "Progress per topic" in page
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url)
    assert "各评分人进度" in chinese.content.decode()


def test_bad_input_is_named_and_changes_nothing(register, work_team_user):
    client = client_for(work_team_user)
    url = reverse("materiality:rater_list", args=[register.slug])
    for data in ({"rater": "contact:999999", "topics": ["S07"]}, {"rater": f"contact:{rater_contact().pk}"},
                 {"rater": "user:abc", "topics": ["NOPE"]}):
        page = client.post(url, data)
        assert page.status_code == 400
    assert not RaterAssignment.objects.exists()


def test_the_committee_may_look_but_not_assign(register, committee_user):
    client = client_for(committee_user)
    url = reverse("materiality:rater_list", args=[register.slug])
    assert client.get(url).status_code == 403  # ratings are the work team's; the committee sees the results
    client.post(url, {"rater": f"contact:{rater_contact().pk}", "topics": ["S07"]})
    assert not RaterAssignment.objects.exists()
    assert client.post(reverse("materiality:rater_reminders", args=[register.slug])).status_code == 403
    assert client_for(None).get(url).status_code == 302  # log-in first
