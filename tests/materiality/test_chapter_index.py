"""The disclosure index: GRI 3, HKEX and ESRS 2 IRO-1/SBM-3 rows from the shipped file, and IRO-2's topical standards
material or "Not material" from the confirmed classes (overrides included) through the ESRS crosswalk."""

from __future__ import annotations

import pytest

from materiality import chapter, crosswalk, services
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def confirmed_with_one_material_topic(assessment, chair, committee_user):
    """Every topic set to general by the committee except one: that topic alone decides IRO-2."""
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=5, seed=7)
    run = score(assessment)
    keep = next(s.topic for s in run.topic_scores.select_related("topic").order_by("rank")
                if crosswalk.matters_for(s.topic))
    for s in run.topic_scores.select_related("topic"):
        wanted = "important" if s.topic_id == keep.pk else "general"
        if s.classification != wanted:
            services.override_class(run, s.topic, wanted, reason="Test: one topic decides", acting_user=committee_user)
    make_confirmable(run, chair)
    services.confirm_assessment(assessment, acting_user=chair)
    return assessment, keep


def test_index_lists_every_disclosure_of_the_shipped_file(confirmed_with_one_material_topic):
    assessment, _keep = confirmed_with_one_material_topic
    rows = chapter.build_chapter(assessment, "en").index
    codes = [(r.framework, r.code) for r in rows]
    for code in ("3-1", "3-2", "3-3"):
        assert ("GRI 3 (2021)", code) in codes
    assert ("HKEX ESG Reporting Code", "Reporting principle: materiality") in codes
    assert ("HKEX ESG Reporting Code", "Board statement") in codes
    assert [c for f, c in codes if f.startswith("ESRS 2 IRO-1")] == [f"§53({k})" for k in "abcdefgh"]
    assert [c for f, c in codes if f.startswith("ESRS 2 SBM-3")] == [f"§48({k})" for k in "abcdefgh"]
    gri = next(r for r in rows if r.code == "3-1")
    assert "Stakeholder participation" in gri.where and "Evaluation procedure" in gri.where


def test_iro_2_marks_the_standards_of_the_confirmed_material_topics(confirmed_with_one_material_topic):
    assessment, keep = confirmed_with_one_material_topic
    expected = {m.standard for m in crosswalk.matters_for(keep)}
    for language, yes, no in (("en", "Material", "Not material"), ("zh-hans", "重大", "非重大")):
        iro2 = {r.code[:2]: r.where for r in chapter.build_chapter(assessment, language).index
                if r.framework == "ESRS 2 IRO-2" and r.code[:1] in "ESG" and r.code[1:2].isdigit()}
        assert sorted(iro2) == ["E1", "E2", "E3", "E4", "E5", "G1", "S1", "S2", "S3", "S4"]
        assert {code for code, status in iro2.items() if status == yes} == expected
        assert all(status == no for code, status in iro2.items() if code not in expected)
