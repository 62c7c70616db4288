"""The read-only API: session or token auth, role-checked; confirmed results only; an OpenAPI schema."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from materiality import services
from materiality.models import TopicScore
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable


def token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")


@pytest.mark.parametrize("name,kwargs", [
    ("materiality:api-library-list", {}), ("materiality:api-library-detail", {"year": 2024}),
    ("materiality:api-assessment-list", {}), ("materiality:api-assessment-detail", {"slug": "dma-2024"}),
    ("materiality:api-assessment-results", {"slug": "dma-2024"}), ("materiality:api-schema", {}),
])
def test_anonymous_and_outsiders_are_refused(assessment, outsider, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert Client().get(url).status_code in (401, 403)
    assert Client(HTTP_AUTHORIZATION="Token not-a-token").get(url).status_code == 401
    if name != "materiality:api-schema":
        assert token_client(outsider).get(url).status_code == 403


def test_libraries_and_assessments_by_token(assessment, work_team_user):
    client = token_client(work_team_user)
    libraries = client.get(reverse("materiality:api-library-list")).json()
    from materiality.models import IssueLibrary

    assert [lib["year"] for lib in libraries["results"]] == list(IssueLibrary.objects.values_list("year", flat=True))
    detail = client.get(reverse("materiality:api-library-detail", kwargs={"year": 2024})).json()
    assert len(detail["topics"]) == assessment.library.topics.count()
    data = client.get(reverse("materiality:api-assessment-detail", kwargs={"slug": assessment.slug})).json()
    assert data["library"] == 2024 and data["weights"] == dict(
        assessment.group_weights.values_list("group__code", "weight"))


def test_results_only_once_confirmed(scored, chair, committee_user):
    url = reverse("materiality:api-assessment-results", kwargs={"slug": scored.assessment.slug})
    client = client_for(committee_user)  # session auth
    assert client.get(url).status_code == 404
    top = scored.topic_scores.select_related("topic").order_by("rank").first()
    new = "general" if top.classification != "general" else "major"
    services.override_class(scored, top.topic, new, reason="Committee judgement", acting_user=committee_user)
    make_confirmable(scored, chair)
    services.confirm_assessment(scored.assessment, acting_user=chair)
    data = client.get(url).json()
    assert data["run"] == scored.pk and data["input_checksum"] == scored.input_checksum
    assert len(data["topics"]) == TopicScore.objects.filter(run=scored).count()
    first = data["topics"][0]
    assert (first["topic"], first["computed_class"], first["committee_class"], first["final_class"],
            first["override_reason"]) == (top.topic.code, top.classification, new, new, "Committee judgement")
    assert first["impact"] == top.impact
    assert all(t["committee_class"] is None for t in data["topics"][1:])


def test_results_need_the_results_permission(scored, chair, django_user_model):
    from django.contrib.auth.models import Permission

    make_confirmable(scored, chair)
    services.confirm_assessment(scored.assessment, acting_user=chair)
    viewer = django_user_model.objects.create_user("viewer", password="x" * 20)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    client = token_client(viewer)
    assert client.get(reverse("materiality:api-assessment-list")).status_code == 200
    url = reverse("materiality:api-assessment-results", kwargs={"slug": scored.assessment.slug})
    assert client.get(url).status_code == 403


def test_schema_and_docs(committee_user):
    client = client_for(committee_user)
    schema = client.get(reverse("materiality:api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.content.decode()
    assert "/api/assessments/{slug}/results/" in body and "/api/libraries/" in body
    docs = client.get(reverse("materiality:api_docs"))
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page and "https://" not in page.replace("https://www.w3.org", "")  # assets served locally
