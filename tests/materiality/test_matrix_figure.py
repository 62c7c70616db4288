"""The matrix on the results and committee pages: the picture in the page's language and its text description."""

from __future__ import annotations

import re
from html import escape

import pytest
from django.urls import reverse

from materiality import aggregation, matrix, services
from materiality.models import ScoreRun, TopicScore
from materiality.views.results import MATRIX_MARKERS
from tests.conftest import client_for
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires

SHAPES = {"o": "circle", "s": "square", "^": "triangle", "D": "diamond"}


@pytest.fixture
def drawn(assessment) -> ScoreRun:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=6, seed=3)
    return score(assessment, draw=True)


def page(client, assessment, language: str = "en") -> str:
    response = client.get(reverse("materiality:results", args=[assessment.slug]),
                          headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


def test_the_image_is_described_by_a_table_of_every_topic(drawn, committee_user):
    assessment = drawn.assessment
    html = page(client_for(committee_user), assessment)
    image = re.search(r"<img [^>]*aria-describedby=\"([^\"]+)\"[^>]*>", html)
    assert image and "matrix.png?lang=en" in image.group(0)
    described = image.group(1)
    start = html.index(f'id="{described}"')
    assert html.index("<details") < start < html.index(image.group(0))  # the table comes first, then the picture
    table = html[start:html.index("</table>", start)]
    for s in drawn.topic_scores.select_related("topic"):
        row = re.search(rf"<strong>{s.topic.code}</strong>.*?</tr>", table, re.S)
        assert row, s.topic.code
        assert f"{s.financial:.2f}" in row.group(0) and f"{s.impact:.2f}" in row.group(0)
        assert s.get_classification_display() in row.group(0)
        assert escape(s.topic.name_en) in row.group(0)
    assert "data-open-narrow" in html and "js/matrix_figure.js" in html
    counts = services.class_counts(list(drawn.topic_scores.all()))
    assert f"This run has {counts['major']} major, {counts['important']} important" in table


def test_the_description_names_shapes_overrides_and_unplotted_topics(drawn, committee_user):
    assessment = drawn.assessment
    top = drawn.topic_scores.select_related("topic").order_by("rank").first()
    services.override_class(drawn, top.topic, "general", reason="audited", acting_user=committee_user)
    unanswered = drawn.topic_scores.exclude(pk=top.pk).select_related("topic").first()
    TopicScore.objects.filter(pk=unanswered.pk).update(n_impact=0, n_financial=0, impact=None, financial=None)
    html = page(client_for(committee_user), assessment)
    row = re.search(rf"<strong>{top.topic.code}</strong>.*?</tr>", html, re.S).group(0)
    assert "the committee set it to General" in row
    assert f"({MATRIX_MARKERS[top.topic.pillar][1]})" in row
    row = re.search(rf"<strong>{unanswered.topic.code}</strong>.*?</tr>", html, re.S).group(0)
    assert "No answers" in row and "not in the matrix" in row


def test_the_chinese_page_shows_the_chinese_figure(drawn, committee_user):
    assessment = drawn.assessment
    client = client_for(committee_user)
    html = page(client, assessment, "zh-hans")
    assert "matrix.png?lang=zh-hans" in html and "以表格查看矩阵" in html
    url = reverse("materiality:run_matrix", args=[assessment.slug, drawn.pk, "png"])
    chinese = client.get(url, {"lang": "zh-hans"})
    english = client.get(url, {"lang": "en"})
    assert chinese.content == bytes(drawn.matrix_png_zh) and english.content == bytes(drawn.matrix_png)
    assert chinese.content != english.content
    svg = client.get(reverse("materiality:run_matrix", args=[assessment.slug, drawn.pk, "svg"]), {"lang": "zh-hans"})
    assert "财务重要性" in svg.content.decode()
    assert f'filename="matrix-{assessment.slug}-run{drawn.pk}-zh-hans.svg"' in svg["Content-Disposition"]
    # Without ?lang the request's language decides, and the response says it varies by it.
    plain = client.get(url, headers={"accept-language": "zh-hans"})
    assert plain.content == chinese.content and "Accept-Language" in plain["Vary"]
    assert client.get(url, {"lang": "fr"}).content == english.content  # an unknown language: the request's


def test_a_run_from_before_the_chinese_figure_shows_its_one_figure(drawn, committee_user):
    ScoreRun.objects.filter(pk=drawn.pk).update(matrix_png_zh=None, matrix_svg_zh="")
    url = reverse("materiality:run_matrix", args=[drawn.assessment.slug, drawn.pk, "png"])
    assert client_for(committee_user).get(url, {"lang": "zh-hans"}).content == bytes(drawn.matrix_png)


def test_a_run_without_a_matrix_says_so(assessment, committee_user):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=4, seed=2)
    run = score(assessment, draw=False)
    html = page(client_for(committee_user), assessment)
    assert "without drawing the matrix" in html and "<img" not in html
    assert "The matrix as a table" in html  # the description still lists every topic
    url = reverse("materiality:run_matrix", args=[assessment.slug, run.pk, "png"])
    assert client_for(committee_user).get(url).status_code == 404


def test_the_committee_page_shows_the_same_figure(drawn, committee_user):
    response = client_for(committee_user).get(reverse("materiality:committee", args=[drawn.assessment.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'aria-describedby="matrix-description-{drawn.pk}"' in html and f'id="matrix-description-{drawn.pk}"' in html


def test_the_page_names_the_markers_the_matrix_draws():
    assert set(MATRIX_MARKERS) == {*matrix.PILLAR_STYLES, ""}
    for pillar, style in {**matrix.PILLAR_STYLES, "": matrix.OTHER_STYLE}.items():
        shape, _word, colour = MATRIX_MARKERS[pillar]
        assert (shape, colour.upper()) == (SHAPES[style.marker], style.colour.upper())


def test_the_figure_words_are_translated():
    english, chinese = aggregation.matrix_labels("en"), aggregation.matrix_labels("zh-hans")
    assert set(english) == set(chinese) and set(english) <= set(matrix.DEFAULT_LABELS)
    assert [k for k in english if english[k] == chinese[k] and k != "interval"] == []
