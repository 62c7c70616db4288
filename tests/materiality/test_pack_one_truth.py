"""One truth in the report pack (15.2): every sheet and the methodology agree with the confirmed run."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from materiality import report_pack, services
from materiality.models import Assessment, GroupScore, RegisterEntry, TopicScore
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires

T = report_pack.SHEET_TITLES


@pytest.fixture
def pack(assessment, chair, committee_user, work_team_user) -> tuple[zipfile.ZipFile, object]:
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8, seed=3)
    run = score(assessment, draw=True)
    top = run.topic_scores.select_related("topic").order_by("rank").first()
    services.override_class(run, top.topic, "general" if top.classification != "general" else "major",
                            reason="=HYPERLINK(\"x\") looked like a formula", acting_user=committee_user)
    make_confirmable(run, chair)
    entry = RegisterEntry.objects.select_related("topic").first()
    services.save_register_entry(assessment, entry.topic, values={"risks": "Recall costs", "downstream": True},
                                 acting_user=work_team_user)
    services.confirm_assessment(assessment, acting_user=chair)
    response = client_for(committee_user).get(reverse("materiality:pack", kwargs={"slug": assessment.slug}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content)), run


def rows(book, key: str) -> list[list[object]]:
    return [list(r) for r in book[T[key]].iter_rows(values_only=True)]


def by_code(book, key: str) -> dict[str, list[object]]:
    return {r[0]: r for r in rows(book, key)[1:]}


def test_pack_holds_every_part_dated_at_confirmation(pack):
    archive, run = pack
    slug = Assessment.objects.get(pk=run.assessment_id).slug
    chapter = [f"materiality-chapter-{slug}-{lang}.{fmt}" for lang in ("en", "zh") for fmt in ("docx", "html")]
    parts = ["audit-trail.csv", "excluded-responses.csv", "matrix.png", "matrix.svg", "matrix-zh.png",
             "matrix-zh.svg", "methodology.txt", "results.xlsx", *chapter]
    assert sorted(archive.namelist()) == sorted(parts)
    assert archive.read("matrix.png").startswith(b"\x89PNG") and b"<svg" in archive.read("matrix.svg")
    confirmed = timezone.localtime(Assessment.objects.get(pk=run.assessment_id).confirmed_at)
    assert {i.date_time for i in archive.infolist()} == {confirmed.timetuple()[:6][:5] + (confirmed.second // 2 * 2,)}


def test_every_sheet_agrees_with_the_run(pack):
    archive, run = pack
    book = load_workbook(io.BytesIO(archive.read("results.xlsx")))
    assert book.sheetnames == list(T.values())
    stored = list(TopicScore.objects.filter(run=run).select_related("topic").order_by("rank"))
    scores = rows(book, "scores")
    assert scores[0][:3] == ["Topic code / 议题代码", "Name (English) / 英文名称", "Name (Chinese) / 中文名称"]
    assert [r[0] for r in scores[1:]] == [s.topic.code for s in stored]
    counts, intervals, classes = by_code(book, "counts"), by_code(book, "intervals"), by_code(book, "classes")
    finals = services.final_classes(run)
    for r, s in zip(scores[1:], stored, strict=True):
        assert r[1:3] == [s.topic.name_en, s.topic.name_zh]
        assert (r[4], r[5], r[6]) == pytest.approx((s.impact, s.financial, s.combined), rel=1e-15) and r[7] == s.rank
        assert counts[s.topic.code][3:8] == [s.n_impact, s.n_financial, s.horizon_short, s.horizon_medium,
                                            s.horizon_long]
        assert tuple(intervals[s.topic.code][3:7]) == pytest.approx(
            (s.impact_low, s.impact_high, s.financial_low, s.financial_high), rel=1e-15)
        assert classes[s.topic.code][3].startswith(s.classification)
        assert classes[s.topic.code][5].startswith(finals[s.topic_id][0])
    overrides = rows(book, "overrides")[1:]
    assert len(overrides) == 1 and overrides[0][0] == stored[0].topic.code
    assert overrides[0][5] == "'=HYPERLINK(\"x\") looked like a formula"  # neutralised, not a live formula
    assert not re.search(r"\.\d{6}|T\d\d:", str(overrides[0][7]))  # local time, to the second
    groups = rows(book, "groups")[1:]
    assert len(groups) == GroupScore.objects.filter(run=run).count()
    g = GroupScore.objects.select_related("group", "topic").get(run=run, group__code=groups[0][0],
                                                                 topic__code=groups[0][3])
    assert groups[0][1:3] == [g.group.name_en, g.group.name_zh] and groups[0][7] == pytest.approx(g.impact)
    rates = rows(book, "rates")[1:]
    assert sum(r[7] for r in rates) == run.respondents
    register = rows(book, "register")[1:]
    assert len(register) == RegisterEntry.objects.count() == len(services.register_topics(run.assessment))
    assert any(r[8] == "Recall costs" and r[6] == "yes / 是" for r in register)
    checks = rows(book, "checks")[1:]
    assert len(checks) == 7 and {r[1] for r in checks} == {"passed / 通过"}
    cover = dict(rows(book, "cover")[1:])
    assert cover["Score run / 评分运行"] == run.pk and cover["Input checksum (SHA-256) / 输入校验值"] == run.input_checksum
    assert cover["Respondents / 受访者"] == run.respondents and cover["Confirmed by / 确认人"]


def test_methodology_agrees_with_the_run_and_stands_alone_in_both_languages(pack):
    archive, run = pack
    text = archive.read("methodology.txt").decode("utf-8")
    english, chinese = text.split("双重重要性评估方法说明")
    assert f"Respondents (submitted responses scored): {run.respondents}." in english
    assert f"受访者（计入评分的已提交回答）：{run.respondents}" in chinese
    assert f"Rating scale: 1 to {run.params['scale']}" in english and f"1 至 {run.params['scale']}" in chinese
    assert f"major {run.params['major']}, important {run.params['important']}" in english
    for code, weight in run.params["weights"].items():
        assert f"{code} (" in english and f": {weight:g}" in english and f"{code}（" in chinese
    counts = services.class_counts(run.topic_scores.all(), {t: c for t, (c, _o) in services.final_classes(run).items()})
    assert f"major {counts['major']}, important {counts['important']}" in english
    assert run.input_checksum in english and run.input_checksum in chinese
    for words in ("严重程度", "SE² = Σ", "按综合得分降序排名", "议题代码升序", "影响期间", "确认前检查",
                  "Stakeholder survey"):
        assert words in chinese
    assert "DESIGN" not in text and ".md" not in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", text) and "+08:00" in text  # Asia/Hong_Kong, to the second


def test_audit_trail_is_in_the_pack(pack):
    archive, run = pack
    entries = list(csv.DictReader(io.StringIO(archive.read("audit-trail.csv").decode("utf-8"))))
    actions = [e["action"] for e in entries]
    for action in ("run.start", "run.succeed", "override.set", "register.save", "assessment.confirm"):
        assert action in actions
    assert actions.index("run.succeed") < actions.index("assessment.confirm") == len(actions) - 1


def test_workbook_is_styled_for_reading(pack):
    archive, run = pack
    book = load_workbook(io.BytesIO(archive.read("results.xlsx")))
    sheet = book[T["scores"]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet["A1"].font.bold
    assert sheet["E2"].number_format == "0.00" and sheet["H2"].number_format == "0"
    assert book[T["rates"]]["I2"].number_format == "0.0%"
    assert all(sheet.column_dimensions[c].width >= 10 for c in "ABCDEFGH")
    assert sheet.column_dimensions["B"].width >= max(len(r[1]) for r in rows(book, "scores")[1:])


def test_methodology_is_pure():
    text = report_pack.methodology(report_pack.MethodInput(
        assessment="A", library="2024", run_id=1, method="dma-1", params={"scale": 7, "weights": {"c": 2.0},
        "major": 5.0, "important": 4.0, "tolerance": 1e-9}, input_checksum="abc", respondents=3, topics=2,
        groups=[("c", "Customers", "客户")]))
    assert "1 to 7" in text and "c (Customers / 客户): 2" in text and "major 5.0, important 4.0" in text
