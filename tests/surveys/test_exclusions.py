"""Acting on quality (issue 14.7): the work team excludes a response from scoring with a written reason and
includes it again; both audited, shown on the tracking and results pages, listed in the report pack, ignored
by the scoring job, and frozen once the assessment is confirmed."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from materiality.models import Assessment, AuditEntry, GroupScore
from surveys import exclusions
from surveys.models import Response
from surveys.services import SurveyError
from tests.conftest import client_for
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def answered(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=3, seed=5)
    return assessment


def customer(assessment) -> Response:
    return Response.objects.filter(assessment=assessment, group__code="customers").order_by("pk").first()


def url(name, response):
    return reverse(f"surveys:{name}", kwargs={"slug": response.assessment.slug, "pk": response.pk})


def test_an_excluded_response_leaves_the_scores_and_counts_again_once_included(answered, work_team_user):
    before = score(answered)
    response = customer(answered)
    client = client_for(work_team_user)
    page = client.post(url("response_exclude", response), {"reason": "Straight-lined every topic in 40 s"})
    assert page.status_code == 302
    response.refresh_from_db()
    assert response.is_excluded and response.excluded_by == work_team_user
    entry = AuditEntry.objects.get(action="response.exclude")
    assert entry.after["reason"] == "Straight-lined every topic in 40 s" and entry.assessment_id == answered.pk

    without = score(answered)
    assert without.respondents == before.respondents - 1
    n = {run: GroupScore.objects.filter(run=run, group__code="customers").order_by("topic__position")
         .values_list("n_impact", flat=True).first() for run in (before, without)}
    assert n[without] == n[before] - 1

    assert client.post(url("response_include", response)).status_code == 302
    response.refresh_from_db()
    assert not response.is_excluded and AuditEntry.objects.filter(action="response.include").count() == 1
    assert score(answered).respondents == before.respondents


def test_a_reason_is_required_and_a_refusal_changes_nothing(answered, work_team_user):
    response = customer(answered)
    client = client_for(work_team_user)
    for reason in ("", "   ", "x" * (exclusions.MAX_REASON_LENGTH + 1)):
        page = client.post(url("response_exclude", response), {"reason": reason}, follow=True)
        assert page.status_code == 200 and "reason" in page.content.decode().lower()
    response.refresh_from_db()
    assert not response.is_excluded and not AuditEntry.objects.filter(action="response.exclude").exists()
    assert client.post(url("response_include", response), follow=True).status_code == 200  # nothing to include
    assert not AuditEntry.objects.filter(action="response.include").exists()


def test_drafts_cannot_be_excluded(answered):
    draft = customer(answered)
    Response.objects.filter(pk=draft.pk).update(status=Response.Status.DRAFT)
    with pytest.raises(SurveyError, match="Only submitted"):
        exclusions.exclude_response(draft, "no reason needed")


def test_only_the_work_team_excludes(answered, committee_user, outsider):
    response = customer(answered)
    for user in (committee_user, outsider):
        assert client_for(user).post(url("response_exclude", response), {"reason": "x"}).status_code == 403
    assert client_for(committee_user).get(url("response_exclude", response)).status_code in (403, 405)
    response.refresh_from_db()
    assert not response.is_excluded


def test_a_confirmed_assessments_exclusions_are_frozen(answered, work_team_user):
    response = customer(answered)
    exclusions.exclude_response(response, "too fast", acting_user=work_team_user)
    Assessment.objects.filter(pk=answered.pk).update(confirmed_at=timezone.now())
    page = client_for(work_team_user).post(url("response_include", response), follow=True)
    assert "confirmed" in page.content.decode()
    response.refresh_from_db()
    assert response.is_excluded
    html = client_for(work_team_user).get(url("response_detail", response)).content.decode()
    assert "too fast" in html and 'action="' + url("response_include", response) not in html


def test_exclusions_show_on_tracking_results_and_in_the_report_pack(answered, work_team_user):
    response = customer(answered)
    exclusions.exclude_response(response, "same answer everywhere", acting_user=work_team_user)
    score(answered)
    client = client_for(work_team_user)
    for name in ("surveys:response_tracking", "materiality:results"):
        html = client.get(reverse(name, kwargs={"slug": answered.slug})).content.decode()
        assert 'id="exclusion-counts"' in html and "Customers 1" in html, name
    rows = list(csv.reader(io.StringIO(exclusions.excluded_csv(answered).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == str(response.pk) and rows[1][5] == "same answer everywhere"
