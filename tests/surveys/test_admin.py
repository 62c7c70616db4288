"""The response admin shows its ratings read-only (the admin cannot edit a model keyed by (response, topic))."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys.models import Response
from tests.conftest import client_for
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def response(assessment) -> Response:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=1, seed=3)
    return Response.objects.filter(group__is_rater=True).first()


def test_response_change_page_lists_its_ratings(response, superuser):
    page = client_for(superuser).get(reverse("admin:surveys_response_change", args=[response.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<th>financial likelihood</th>" in html
    first = response.ratings.select_related("topic").order_by("topic__position").first()
    assert f"<tr><td>{first.topic.code}</td><td>{first.severity}</td>" in html
    assert html.count("<tr><td>") == response.ratings.count()
    assert "TOTAL_FORMS" not in html  # no inline formset to edit ratings


def test_response_delete_page_names_its_ratings(response, superuser):
    client = client_for(superuser)
    page = client.get(reverse("admin:surveys_response_delete", args=[response.pk]))
    assert page.status_code == 200 and "Ratings: 24" in page.content.decode()
    client.post(reverse("admin:surveys_response_delete", args=[response.pk]), {"post": "yes"})
    assert not Response.objects.filter(pk=response.pk).exists()


def test_response_add_page_opens(superuser):
    assert client_for(superuser).get(reverse("admin:surveys_response_add")).status_code == 200


def test_deleting_responses_from_the_list_is_audited(response, superuser):
    from materiality.models import AuditEntry

    chosen = list(Response.objects.order_by("pk").values_list("pk", flat=True)[:2])
    client_for(superuser).post(reverse("admin:surveys_response_changelist"),
                               {"action": "delete_selected", "_selected_action": chosen, "post": "yes"})
    assert not Response.objects.filter(pk__in=chosen).exists()
    entries = AuditEntry.objects.filter(action="admin.delete", object_type="Response")
    assert sorted(int(e.object_id) for e in entries) == chosen


def test_response_list_searches_respondent_ids(response, superuser):
    page = client_for(superuser).get(reverse("admin:surveys_response_changelist"), {"q": response.respondent_key})
    assert page.status_code == 200 and "1 result" in page.content.decode()
