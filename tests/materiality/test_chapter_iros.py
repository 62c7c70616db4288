"""For an esrs-1 assessment the chapter lists the material IROs per topic (SBM-3) from the run's IRO scores, and
states the IRO-1 process from the register and the run's parameters."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document

from materiality import chapter, chapter_docx
from materiality.models import Assessment, Iro, IroRating, IroScore, ScoreRun, TopicScore


@pytest.fixture
def esrs_confirmed(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(method="esrs-1", severity_rule="max")
    assessment.refresh_from_db()
    topics = list(assessment.library.topics.order_by("position")[:3])
    run = ScoreRun.objects.create(assessment=assessment, status=ScoreRun.Status.SUCCEEDED, method="esrs-1",
                                  params={"scale": 5, "major": 4.0, "important": 3.0, "severity_rule": "max"},
                                  finished_at=timezone.now())
    for rank, t in enumerate(topics, 1):
        TopicScore.objects.create(run=run, topic=t, impact=4.5 - rank, financial=4.0 - rank, combined=4.0,
                                  n_impact=2, n_financial=2, classification="important" if rank < 3 else "general",
                                  rank=rank)
    impact = Iro.objects.create(assessment=assessment, code="A-I1", topic=topics[0], kind="impact", sign="negative",
                                status="potential", human_rights=True, title_en="Harm to users", title_zh="伤害用户",
                                own_operations=True, downstream=True, horizon="long")
    risk = Iro.objects.create(assessment=assessment, code="A-R1", topic=topics[0], kind="risk",
                              title_en="Recall costs", title_zh="召回成本", downstream=True, horizon="medium")
    low = Iro.objects.create(assessment=assessment, code="B-O1", topic=topics[1], kind="opportunity",
                             title_en="Small gain", title_zh="小收益", upstream=True)
    for r in ("r1", "r2"):
        IroRating.objects.create(iro=risk, rater=r, magnitude=4, likelihood=3, submitted_at=timezone.now())
    IroScore.objects.create(run=run, iro=impact, score=4.2, n=2, material=True, rank=1)
    IroScore.objects.create(run=run, iro=risk, score=3.46, n=2, material=True, rank=2)
    IroScore.objects.create(run=run, iro=low, score=2.0, n=2, material=False, rank=3)
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    assessment.refresh_from_db()
    return assessment


def test_material_iros_and_iro_1_in_both_languages(esrs_confirmed):
    en = chapter.build_chapter(esrs_confirmed, "en")
    assert [(r.code, r.kind, r.title, r.value_chain, r.score) for r in en.iros] == [
        ("A-I1", "Potential Negative impact", "Harm to users", "Own operations and Downstream", 4.2),
        ("A-R1", "Risk", "Recall costs", "Downstream", 3.46)]
    assert en.iro1[0].startswith("The register holds 1 impacts, 1 risks and 1 opportunities")
    assert "2 are material" in en.iro1[1]
    assert "2 internal raters" in en.procedure[1] and "their highest value" in en.procedure[2]
    zh = chapter.build_chapter(esrs_confirmed, "zh-hans")
    assert [r.title for r in zh.iros] == ["伤害用户", "召回成本"]
    assert zh.iro1[1].endswith("共有 2 项为重大。")

    document = Document(io.BytesIO(chapter_docx.write(en)))
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells][:2] == ["Topic", "Code"])
    assert [[c.text for c in row.cells][1:4] for row in table.rows[1:]] == [
        ["A-I1", "Potential Negative impact", "Harm to users"], ["A-R1", "Risk", "Recall costs"]]
    iro1 = next(r for r in en.index if r.code == "§53(b)")
    assert en.headings["iro1"] in iro1.where

