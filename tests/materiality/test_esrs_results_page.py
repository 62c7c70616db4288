"""The results page of an esrs-1 assessment: ranked IROs with rationales, topics, and the stakeholder view beside."""

from __future__ import annotations

import pytest
from django.urls import reverse

from materiality.models import IroRating
from tests.conftest import client_for
from tests.materiality.conftest import score
from tests.materiality.esrs_factory import esrs_assessment, make_register, rate
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def both_views(assessment):
    """The survey scored with dma-1 first (its classes are the stakeholder view), then the IROs with esrs-1."""
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=6, seed=3)
    survey = dict(score(assessment).topic_scores.values_list("topic__code", "classification"))
    iros = make_register(assessment, topics=8, per_topic=2)
    rate(iros, raters=4)
    IroRating.objects.filter(iro=iros[0], rater="rater-000").update(rationale="Thermal runaway in the field")
    esrs_assessment(assessment)
    return survey, score(assessment)


def test_the_page_ranks_iros_and_marks_where_the_views_differ(both_views, assessment, work_team_user):
    survey, run = both_views
    response = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug]))
    assert response.status_code == 200
    context = response.context
    assert [s.iro.code for s in context["iro_scores"]] == list(
        run.iro_scores.order_by("rank").values_list("iro__code", flat=True))
    page = response.content.decode()
    assert "Thermal runaway in the field" in page and "<details>" in page
    material = ("major", "important")
    for row in context["comparison"]:
        scored = run.topic_scores.get(topic=row["topic"])
        assert row["survey_class"] == survey[row["topic"].code]
        expected = scored.has_answers and (scored.classification in material) != (survey[row["topic"].code] in material)
        assert row["disagree"] == expected
    assert page.count("Views differ") == len(context["disagreements"]) + (1 if context["disagreements"] else 0)
    assert "Severity rule: highest" in page  # the sensitivity lists every other severity rule


def test_the_page_speaks_chinese(both_views, assessment, work_team_user):
    response = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug]),
                                              HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert response.status_code == 200
    assert "影响、风险和机遇排名" in page and "利益相关方视角" in page


def test_people_outside_the_roles_are_refused(both_views, assessment, outsider):
    response = client_for(outsider).get(reverse("materiality:results", args=[assessment.slug]))
    assert response.status_code == 403
