"""Each staff page runs a fixed number of queries, the same whether the database holds one cycle or more.

Issue 16: the pages must cost the same in year two as in year one. The bounds below are the counts measured when
they were pinned; a page that starts to query per row, or per other cycle, goes over them or changes between the
two databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from materiality.models import Assessment, AssessmentGroup
from stakeholders.models import StakeholderGroup
from surveys.models import Response
from tests.conftest import client_for
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires

# page -> the most queries it may run (session, user and permissions included)
PAGES = {
    "/assessments/": 6,
    "/assessments/{slug}/": 9,
    "/assessments/{slug}/invitations/": 10,
    "/assessments/{slug}/responses/": 15,  # + the excluded responses per group, + the topics each group is asked
    "/assessments/{slug}/responses/live/": 8,
    "/assessments/{slug}/responses/{response}/": 8,
    "/admin/surveys/response/": 8,
    "/admin/surveys/response/?assessment__id__exact={assessment}": 9,
    "/assessments/{slug}/results/": 18,  # + the excluded responses per group, + the topic subsets (heat map)
    "/assessments/{slug}/committee/": 30,  # reads the run, approvals and scores more than once: see issue 16
    "/assessments/{slug}/register/": 11,
    "/audit/": 12,
    "/assessments/{slug}/export.csv": 8,
    "/api/assessments/": 6,
    "/api/assessments/{slug}/": 6,
}


def counts(client, assessment: Assessment) -> dict[str, int]:
    """The queries of each page (its second view: the first fills the per-process caches)."""
    response = Response.objects.filter(assessment=assessment).order_by("-pk").first()
    found = {}
    for page in PAGES:
        url = page.format(slug=assessment.slug, assessment=assessment.pk, response=response.pk)
        client.get(url, secure=True)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url, secure=True)
        assert answer.status_code == 200, (url, answer.status_code)
        found[page] = len(queries)
    return found


def earlier_cycle(library) -> Assessment:
    """Last year's cycle, with three times the answers, scored and confirmed."""
    now = timezone.now()
    old = Assessment.objects.create(slug="dma-2023", name="DMA 2023", library=library,
                                    opens_at=now - dt.timedelta(days=400), closes_at=now - dt.timedelta(days=300))
    for group in StakeholderGroup.objects.all():
        AssessmentGroup.objects.create(assessment=old, group=group, weight=group.default_weight)
    make_questionnaires(old)
    import_synthetic(old, per_group=24, seed=3)
    score(old)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE materiality_assessment SET confirmed_at = %s WHERE id = %s", [timezone.now(), old.pk])
    return old


@pytest.fixture
def current(assessment) -> Assessment:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8, seed=5)
    score(assessment)
    return assessment


def test_staff_pages_run_a_bounded_number_of_queries(current, superuser):
    found = counts(client_for(superuser), current)
    over = {page: (n, PAGES[page]) for page, n in found.items() if n > PAGES[page]}
    assert not over, over


def test_staff_pages_run_the_same_queries_with_an_earlier_cycle(current, superuser, library_2024):
    client = client_for(superuser)
    alone = counts(client, current)
    earlier_cycle(library_2024)
    assert counts(client, current) == alone
