"""The report pack of a confirmed assessment, read back and checked against the score run."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from materiality import report_pack, services
from materiality.models import GroupScore, RegisterEntry, TopicScore
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def pack(assessment, chair, committee_user, work_team_user) -> tuple[zipfile.ZipFile, object]:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8, seed=3)
    run = score(assessment, draw=True)
    top = run.topic_scores.select_related("topic").order_by("rank").first()
    services.override_class(run, top.topic, "general" if top.classification != "general" else "major",
                            reason="=HYPERLINK(\"x\") looked like a formula", acting_user=committee_user)
    services.prefill_register(assessment, acting_user=work_team_user)
    make_confirmable(run, chair)
    entry = RegisterEntry.objects.select_related("topic").first()
    services.save_register_entry(assessment, entry.topic, values={"risks": "Recall costs", "downstream": True},
                                 acting_user=work_team_user)
    services.confirm_assessment(assessment, acting_user=chair)
    response = client_for(committee_user).get(reverse("materiality:pack", kwargs={"slug": assessment.slug}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content)), run


def rows(book, title: str) -> list[list[object]]:
    return [list(r) for r in book[title].iter_rows(values_only=True)]


def test_pack_holds_every_part(pack):
    archive, run = pack
    assert sorted(archive.namelist()) == ["audit-trail.csv", "matrix.png", "matrix.svg", "methodology.txt",
                                          "results.xlsx"]
    assert archive.read("matrix.png").startswith(b"\x89PNG") and b"<svg" in archive.read("matrix.svg")


def test_workbook_matches_the_score_run(pack):
    archive, run = pack
    book = load_workbook(io.BytesIO(archive.read("results.xlsx")))
    assert book.sheetnames == list(report_pack.SHEET_TITLES.values())
    header, *data = rows(book, report_pack.SHEET_TITLES["scores"])
    assert header[0] == "Topic code / 议题代码"
    stored = list(TopicScore.objects.filter(run=run).select_related("topic").order_by("rank"))
    assert [r[0] for r in data] == [s.topic.code for s in stored]
    for r, s in zip(data, stored, strict=True):
        # openpyxl writes 16 significant digits: equal to the stored float within one part in 10^15
        assert (r[4], r[5], r[6]) == pytest.approx((s.impact, s.financial, s.combined), rel=1e-15)
        assert r[7] == s.rank
    counts = {r[0]: r[1:3] for r in rows(book, report_pack.SHEET_TITLES["counts"])[1:]}
    assert all(tuple(counts[s.topic.code]) == (s.n_impact, s.n_financial) for s in stored)
    intervals = {r[0]: r[1:5] for r in rows(book, report_pack.SHEET_TITLES["intervals"])[1:]}
    assert all(tuple(intervals[s.topic.code]) == pytest.approx(
        (s.impact_low, s.impact_high, s.financial_low, s.financial_high), rel=1e-15) for s in stored)
    classes = {r[0]: r[1:] for r in rows(book, report_pack.SHEET_TITLES["classes"])[1:]}
    top = stored[0]
    assert classes[top.topic.code][0].startswith(top.classification)
    assert classes[top.topic.code][2] == classes[top.topic.code][1] != classes[top.topic.code][0]
    assert all(classes[s.topic.code][1] is None for s in stored[1:])
    overrides = rows(book, report_pack.SHEET_TITLES["overrides"])[1:]
    assert len(overrides) == 1 and overrides[0][0] == top.topic.code
    assert overrides[0][3] == "'=HYPERLINK(\"x\") looked like a formula"  # neutralised, not a live formula
    assert len(rows(book, report_pack.SHEET_TITLES["groups"])) - 1 == GroupScore.objects.filter(run=run).count()
    rates = rows(book, report_pack.SHEET_TITLES["rates"])[1:]
    assert sum(r[4] for r in rates) == run.respondents  # every synthetic answer was imported
    register = rows(book, report_pack.SHEET_TITLES["register"])[1:]
    assert len(register) == RegisterEntry.objects.count()
    assert any(r[6] == "Recall costs" and r[4] == "yes / 是" for r in register)


def test_methodology_states_the_stored_parameters(pack):
    archive, run = pack
    text = archive.read("methodology.txt").decode("utf-8")
    assert f"Rating scale: 1 to {run.params['scale']}" in text
    assert f"major {run.params['major']}, important {run.params['important']}" in text
    for code, weight in run.params["weights"].items():
        assert f"{code} (" in text and f": {weight:g}" in text
    assert run.input_checksum in text and "sqrt(severity x likelihood)" in text and "双重重要性评估方法说明" in text


def test_audit_trail_is_in_the_pack(pack):
    archive, run = pack
    entries = list(csv.DictReader(io.StringIO(archive.read("audit-trail.csv").decode("utf-8"))))
    actions = [e["action"] for e in entries]
    for action in ("run.start", "run.succeed", "override.set", "register.save", "assessment.confirm"):
        assert action in actions
    assert actions.index("run.succeed") < actions.index("assessment.confirm")


def test_methodology_is_pure():
    text = report_pack.methodology(report_pack.MethodInput(
        assessment="A", library="2024", run_id=1, method="dma-1", params={"scale": 7, "weights": {"c": 2.0},
        "major": 5.0, "important": 4.0, "tolerance": 1e-9}, input_checksum="abc", respondents=3, topics=2,
        groups=[("c", "Customers", "客户")]))
    assert "1 to 7" in text and "c (Customers / 客户): 2" in text and "major 5.0, important 4.0" in text
