"""The results page of an esrs-1 assessment: ranked IROs with rationales, topics, and the stakeholder view beside."""

from __future__ import annotations

import pandas as pd
import pytest
from django.urls import reverse

from materiality.models import IroRating
from tests.conftest import client_for
from tests.materiality.conftest import score, stored
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


@pytest.fixture
def drawn(assessment):
    """An esrs-1 run with its figures drawn: the matrix alone and with its IROs, in both languages."""
    iros = make_register(assessment, topics=6, per_topic=3)
    rate(iros, raters=4)
    esrs_assessment(assessment)
    return score(assessment, draw=True)


def test_the_job_draws_the_matrix_with_every_placed_iro_in_both_languages(drawn):
    from materiality import esrs_scoring

    scored = pd.DataFrame(drawn.iro_scores.values_list("iro__code", "iro__topic__code", "iro__kind", "score",
                                                       "material"),
                          columns=["iro", "topic", "kind", "score", "material"]).set_index("iro")
    topics = pd.DataFrame(drawn.topic_scores.values_list("topic__code", "impact", "financial"),
                          columns=["topic", "impact", "financial"]).set_index("topic")
    placed = esrs_scoring.iro_positions(scored, topics)
    assert len(placed)
    for svg in (drawn.matrix_iros_svg, drawn.matrix_iros_svg_zh):
        groups = [part[:part.index("</g>")] for part in svg.split('id="iro-points-')[1:]]
        assert sum(group.count("<use ") for group in groups) == len(placed)  # one marker per placed IRO
    assert "风险（IRO）" in drawn.matrix_iros_svg_zh and "Risk (IRO)" in drawn.matrix_iros_svg
    assert 'id="iro-points-' not in drawn.matrix_svg  # the topics' own figure stays as it was


def test_the_iro_figures_drawn_beside_the_job_equal_those_drawn_in_process(drawn, assessment, without_fork):
    """A forked child draws the SVGs and the second language; without a fork the job stores the same bytes."""
    without_fork()
    again = score(assessment, draw=True)
    for field in ("matrix_png", "matrix_svg", "matrix_iros_svg", "matrix_png_zh", "matrix_svg_zh",
                  "matrix_iros_svg_zh"):
        assert stored(again, field) == stored(drawn, field), field


def test_the_page_switches_to_the_matrix_with_iros_and_describes_every_iro(drawn, assessment, work_team_user):
    client = client_for(work_team_user)
    url = reverse("materiality:results", args=[assessment.slug])
    plain = client.get(url).content.decode()
    assert "?matrix=iros#matrix-card" in plain and "layer=iros" not in plain
    response = client.get(url, {"matrix": "iros"})
    page = response.content.decode()
    points = response.context["matrix_iros"]
    assert points and {p["code"] for p in points} <= set(drawn.iro_scores.values_list("iro__code", flat=True))
    assert "layer=iros" in page and "Every IRO's position in the matrix" in page
    for point in points:
        assert f"<strong>{point['code']}</strong>" in page
    svg = client.get(reverse("materiality:run_matrix", args=[assessment.slug, drawn.pk, "svg"]),
                     {"layer": "iros", "lang": "zh-hans"})
    assert svg.status_code == 200 and svg.content == drawn.matrix_iros_svg_zh.encode()
    png = client.get(reverse("materiality:run_matrix", args=[assessment.slug, drawn.pk, "png"]), {"layer": "iros"})
    assert png.status_code == 404  # the figure with IROs is vector only


def test_the_committee_sees_the_matrix_with_iros_too(drawn, assessment, committee_user):
    response = client_for(committee_user).get(reverse("materiality:committee", args=[assessment.slug]),
                                              {"matrix": "iros"})
    assert response.status_code == 200 and response.context["matrix_iros"]


def test_a_dma1_run_offers_no_iro_matrix(scored, assessment, work_team_user):
    response = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug]),
                                              {"matrix": "iros"})
    assert response.status_code == 200 and response.context["matrix_iros"] is None
    assert "?matrix=iros#matrix-card" not in response.content.decode()
