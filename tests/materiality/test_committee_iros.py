"""The committee reviews an esrs-1 assessment IRO by IRO: each topic's IROs with kind, sign, status, score, whether
material, and the raters' rationales on demand, in a constant number of queries whatever the count of IROs."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from materiality.models import Iro, IroRating
from tests.conftest import client_for
from tests.materiality.conftest import score
from tests.materiality.esrs_factory import esrs_assessment, make_register, rate


def scored_iros(assessment, *, topics: int, per_topic: int):
    iros = make_register(assessment, topics=topics, per_topic=per_topic)
    rate(iros, raters=3)
    esrs_assessment(assessment)
    return iros, score(assessment)


def queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_each_topic_shows_its_iros_with_their_results_and_rationales(assessment, committee_user):
    iros, run = scored_iros(assessment, topics=3, per_topic=2)
    IroRating.objects.filter(iro=iros[0], rater="rater-001").update(rationale="Cell recycling is not yet audited")
    response = client_for(committee_user).get(reverse("materiality:committee", args=[assessment.slug]))
    page = response.content.decode()
    by_topic = {s.topic.code: s for s in response.context["scores"]}
    for result in run.iro_scores.select_related("iro__topic"):
        shown = {i.iro.code: i for i in by_topic[result.iro.topic.code].iros}
        assert shown[result.iro.code].score == result.score
        assert shown[result.iro.code].material == result.material
        assert f'data-iro="{result.iro.code}"' in page
    assert "Cell recycling is not yet audited" in page and "<details" in page
    first = next(i for i in by_topic[iros[0].topic.code].iros if i.iro.code == iros[0].code)
    assert ("rater-001", "Cell recycling is not yet audited") in first.rationales
    # Comments and class overrides stay topic-level: one form each per topic, none per IRO.
    assert page.count('name="new_class"') == len(by_topic)


def test_the_iros_are_shown_in_chinese(assessment, committee_user):
    iros, _run = scored_iros(assessment, topics=2, per_topic=2)
    client = client_for(committee_user)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        page = client.get(reverse("materiality:committee", args=[assessment.slug])).content.decode()
    assert iros[0].title_zh in page and "的第" in page


def test_a_survey_assessment_shows_no_iro_rows(scored, committee_user):
    page = client_for(committee_user).get(reverse("materiality:committee", args=[scored.assessment.slug]))
    assert 'class="committee-iros"' not in page.content.decode()


def test_the_page_costs_the_same_whatever_the_count_of_iros(assessment, committee_user):
    scored_iros(assessment, topics=2, per_topic=1)
    client = client_for(committee_user)
    url = reverse("materiality:committee", args=[assessment.slug])
    few = queries(client, url)
    more = Iro.objects.bulk_create(
        Iro(assessment=assessment, topic=t, code=f"{t.code}-X{i}", kind="risk", title_en=f"risk {i} of {t.code}",
            horizon="short", position=10 + i)
        for t in assessment.library.topics.order_by("position")[:8] for i in range(4))
    rate(more, raters=2, seed=9)
    run = score(assessment)
    assert run.iro_scores.count() == 2 + 32
    assert queries(client, url) == few
