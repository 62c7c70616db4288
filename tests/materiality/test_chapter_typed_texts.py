"""Texts the users type have a Chinese field beside them (issue 13.4): the forms ask both, the library file carries
the Chinese change note, the audit trail and the freeze cover them, and the Chinese chapter prints the Chinese text,
or the English one marked as untranslated where no Chinese was typed."""

from __future__ import annotations

import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from materiality import chapter, freeze, services
from materiality.models import AuditEntry, ClassOverride, IssueLibrary, RegisterEntry
from materiality.tables import read_csv
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable


def other_class(cls: str) -> str:
    return "general" if cls != "general" else "major"


@pytest.mark.parametrize("en,zh,language,shown", [
    ("Recall costs", "召回成本", "en", "Recall costs"),
    ("Recall costs", "召回成本", "zh-hans", "召回成本"),
    ("Recall costs", "  ", "zh-hans", "Recall costs（英文原文）"),
    ("", "", "zh-hans", ""),
    ("", "召回成本", "en", ""),
])
def test_a_typed_text_in_each_chapter_language(en, zh, language, shown):
    assert chapter.typed(en, zh, language) == shown


def test_the_committee_gives_a_reason_in_both_languages_and_the_audit_records_both(scored, committee_user):
    s = scored.topic_scores.select_related("topic").order_by("rank").first()
    url = reverse("materiality:override_set", args=[scored.assessment.slug, s.topic.code])
    client = client_for(committee_user)
    page = client.get(reverse("materiality:committee", args=[scored.assessment.slug])).content.decode()
    assert 'name="reason_zh"' in page and "The Chinese chapter of the report prints this text" in page
    client.post(url, {"new_class": other_class(s.classification), "reason": "Supplier audit", "reason_zh": "供应商审核"})
    override = ClassOverride.objects.get()
    assert (override.reason, override.reason_zh) == ("Supplier audit", "供应商审核")
    assert AuditEntry.objects.get(action="override.set").after["reason_zh"] == "供应商审核"
    # Changing only the Chinese reason is a change, and is audited; repeating it writes nothing.
    client.post(url, {"new_class": other_class(s.classification), "reason": "Supplier audit", "reason_zh": "供应商审计"})
    client.post(url, {"new_class": other_class(s.classification), "reason": "Supplier audit", "reason_zh": "供应商审计"})
    entries = AuditEntry.objects.filter(action="override.set").order_by("pk")
    assert entries.count() == 2 and entries.last().before["reason_zh"] == "供应商审核"
    # The English reason stays required; a Chinese one alone changes nothing.
    client.post(url, {"new_class": "major" if override.new_class != "major" else "important", "reason": "",
                      "reason_zh": "只有中文"})
    override.refresh_from_db()
    assert override.reason_zh == "供应商审计"


def test_the_register_form_asks_both_languages_and_the_audit_records_them(scored, work_team_user):
    services.prefill_register(scored.assessment, acting_user=None)
    entry = RegisterEntry.objects.select_related("topic").first()
    client = client_for(work_team_user)
    edit = reverse("materiality:register_edit", args=[scored.assessment.slug, entry.topic.code])
    form = client.get(edit).content.decode()
    assert 'name="risks_zh"' in form and 'name="opportunities_zh"' in form
    assert "The Chinese chapter of the report prints this text" in form
    response = client.post(edit, {"own_operations": "on", "risks": "Cost of recalls", "risks_zh": "召回成本",
                                  "opportunities": "Recycling", "opportunities_zh": "回收利用",
                                  "stakeholder_groups": entry.stakeholder_groups, "influence_period": "long"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.risks_zh, entry.opportunities_zh) == ("召回成本", "回收利用")
    saved = AuditEntry.objects.filter(action="register.save").order_by("pk").last()
    assert saved.after["risks_zh"] == "召回成本" and saved.after["opportunities_zh"] == "回收利用"
    assert "召回成本" in client.get(reverse("materiality:register", args=[scored.assessment.slug])).content.decode()


def test_the_chinese_change_note_is_asked_exported_and_imported(library_2024, work_team_user):
    draft = services.clone_library(library_2024)
    client = client_for(work_team_user)
    e01 = draft.topics.get(code="E01")
    form = client.get(reverse("materiality:topic_edit", args=[draft.year, "E01"])).content.decode()
    assert 'name="change_note_zh"' in form
    response = client.post(reverse("materiality:topic_edit", args=[draft.year, "E01"]), {
        "code": "E01", "pillar": "E", "name_en": e01.name_en, "name_zh": e01.name_zh, "change_kind": "unchanged",
        "predecessors": [e01.predecessors.get().pk], "change_note": "Scope 3 added", "change_note_zh": "新增范围三"})
    assert response.status_code == 302
    e01.refresh_from_db()
    assert e01.change_note_zh == "新增范围三"
    assert AuditEntry.objects.filter(action="topic.edit").last().after["change_note_zh"] == "新增范围三"

    table = read_csv(client.get(reverse("materiality:library_export", args=[draft.year, "csv"])).content)
    assert table.header[table.header.index("change_note") + 1] == "change_note_zh"
    row = next(r.cells for r in table.rows if r.cells["code"] == "E01")
    assert row["change_note_zh"] == "新增范围三"
    csv_bytes = client.get(reverse("materiality:library_export", args=[draft.year, "csv"])).content
    upload = io.BytesIO(csv_bytes.replace("新增范围三".encode(), "范围三排放纳入".encode()))
    upload.name = "lib.csv"
    assert client.post(reverse("materiality:library_import", args=[draft.year]), {"file": upload}).status_code == 302
    assert draft.topics.get(code="E01").change_note_zh == "范围三排放纳入"
    # A file without the column (as before it existed) still imports, and leaves the Chinese note empty.
    upload = io.BytesIO(b"code,pillar,name_en\nE99,E,Noise\n")
    upload.name = "old.csv"
    assert client.post(reverse("materiality:library_import", args=[draft.year]), {"file": upload}).status_code == 302
    assert draft.topics.get(code="E99").change_note_zh == ""


def test_the_shipped_2024_library_has_every_change_note_in_chinese(library_2024: IssueLibrary):
    noted = library_2024.topics.exclude(change_note="")
    assert noted.count() == 10 and not noted.filter(change_note_zh="").exists()


@pytest.fixture
def confirmed(scored, chair, committee_user):
    s = scored.topic_scores.select_related("topic").order_by("rank").first()
    services.override_class(scored, s.topic, other_class(s.classification), reason="Committee view",
                            acting_user=committee_user)
    services.prefill_register(scored.assessment, acting_user=None)
    make_confirmable(scored, chair)
    entry = RegisterEntry.objects.filter(assessment=scored.assessment).exclude(risks="").first()
    RegisterEntry.objects.filter(pk=entry.pk).update(risks_zh="召回成本")
    assert services.confirm_assessment(scored.assessment, acting_user=chair)
    return scored


def test_without_chinese_the_chinese_chapter_marks_the_english_text(confirmed):
    zh = chapter.build_chapter(confirmed.assessment, "zh-hans")
    override = ClassOverride.objects.get()
    assert [e.reason for e in zh.overrides] == [override.reason + chapter.UNTRANSLATED]
    rows = {r.code: r for r in zh.step3}
    for e in RegisterEntry.objects.filter(assessment=confirmed.assessment).select_related("topic"):
        if e.topic.code in rows:
            assert rows[e.topic.code].risks == (e.risks_zh or e.risks + chapter.UNTRANSLATED if e.risks else "")
    assert "召回成本" in [r.risks for r in zh.step3]
    en = chapter.build_chapter(confirmed.assessment, "en")
    assert [e.reason for e in en.overrides] == ["Committee view"]
    assert "召回成本" not in [r.risks for r in en.step3]


@pytest.mark.parametrize("sql", [
    "UPDATE materiality_classoverride SET reason_zh = '改过' WHERE assessment_id = %s",
    "UPDATE materiality_registerentry SET risks_zh = '改过' WHERE assessment_id = %s",
    "UPDATE materiality_registerentry SET opportunities_zh = '改过' WHERE assessment_id = %s",
])
def test_the_chinese_texts_of_a_confirmed_assessment_are_frozen(confirmed, sql):
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [confirmed.assessment_id])
    assert freeze.MESSAGE in str(refused.value)
    entry = RegisterEntry.objects.filter(assessment=confirmed.assessment).first()
    entry.risks_zh = "改过"
    with pytest.raises(services.AssessmentFrozen):
        entry.save()
