"""The demo's confirmed 2023 chapter says what the database holds: classes with overrides, library, step-3 table,
stakeholders; the DOCX is read back with python-docx and compared with the database, in both languages."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core.management import call_command
from django.utils import translation
from docx import Document
from docx.oxml.ns import qn

from materiality import chapter, chapter_docx, services
from materiality.models import Assessment, ClassOverride, RegisterEntry, Topic
from surveys.models import Response


def document_text(document) -> str:
    """Every paragraph and table cell of a DOCX, one per line."""
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def typed_texts(assessment: Assessment) -> list[tuple[str, str]]:
    """The (English, Chinese) texts the users typed that the chapter prints: override reasons, the register's risks
    and opportunities (line by line, as tables split them), the library's change notes."""
    pairs = [(o.reason, o.reason_zh) for o in ClassOverride.objects.filter(assessment=assessment)]
    for e in RegisterEntry.objects.filter(assessment=assessment):
        for en, zh in ((e.risks, e.risks_zh), (e.opportunities, e.opportunities_zh)):
            pairs += list(zip(en.splitlines(), zh.splitlines(), strict=True)) if zh else []
    pairs += [(t.change_note, t.change_note_zh) for t in assessment.library.topics.exclude(change_note="")]
    return [(en.strip(), zh.strip()) for en, zh in pairs if en.strip() and zh.strip()]


def assert_typed_texts_in_their_language(assessment: Assessment, language: str, text: str) -> None:
    """The Chinese chapter prints the Chinese text wherever the user typed one, never its English; the English
    chapter the other way round. A chapter that printed the English typed text in Chinese fails here."""
    pairs = typed_texts(assessment)
    assert pairs
    for en, zh in pairs:
        shown, hidden = (zh, en) if language == "zh-hans" else (en, zh)
        assert shown in text, (language, shown)
        assert hidden not in text, (language, hidden)
    if language == "zh-hans":
        assert chapter.UNTRANSLATED not in text  # the demo typed every such text in Chinese too


def table_with(document, first_header: str, second_header: str):
    for t in document.tables:
        head = [c.text for c in t.rows[0].cells]
        if head[0] == first_header and head[1] == second_header:
            return [[c.text for c in r.cells] for r in t.rows[1:]]
    raise AssertionError(f"no table headed {first_header} / {second_header}")


@pytest.mark.django_db
def test_demo_chapter_matches_the_confirmed_result():
    call_command("load_demo")
    assessment = Assessment.objects.get(slug="dma-2023")
    run = services.latest_succeeded_run(assessment)
    final = services.final_classes(run)
    scores = list(run.topic_scores.select_related("topic").order_by("rank"))
    overrides = {o.topic.code: o for o in ClassOverride.objects.filter(run=run).select_related("topic")}
    assert overrides  # the demo's committee changed one class
    register = {e.topic.code: e for e in RegisterEntry.objects.filter(assessment=assessment).select_related("topic")}
    step3_codes = [s.topic.code for s, _cls in services.register_topics(assessment)]
    submitted = {g: Response.objects.filter(assessment=assessment, status="submitted", group__code=g).count()
                 for g in assessment.group_weights.values_list("group__code", flat=True)}

    for language in chapter.LANGUAGES:
        c = chapter.build_chapter(assessment, language)
        names = {s.topic.code: s.topic.name_for(language) for s in scores}
        # class lists: the confirmed classes, overrides included, in rank order
        for klass in chapter.CLASS_ORDER:
            expected = [s.topic.code for s in scores if s.has_answers and final[s.topic_id][0] == klass]
            assert [e.code for e in c.classes[klass]] == expected
        zh = language == "zh-hans"
        reasons = {code: o.reason_zh if zh else o.reason for code, o in overrides.items()}
        assert all(reasons.values())  # the demo's override has its reason in both languages
        assert {e.code: (e.final, e.reason) for e in c.overrides} == {
            code: (o.new_class, reasons[code]) for code, o in overrides.items()}
        # library: every topic, and every change described
        in_table = [code for row in c.library for code, _name in row.topics]
        active = assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED)
        assert sorted(in_table) == sorted(active.values_list("code", flat=True))
        for topic in active.prefetch_related("predecessors"):
            sentence = chapter.change_sentence(topic, language)
            row = next(r for r in c.library if topic.code in [code for code, _n in r.topics])
            assert (sentence in row.changes) if sentence else len(row.changes) >= 1
        assert c.iros == [] and c.iro1 == []  # dma-1: no IRO sections, and the index does not point at them
        assert all(c.headings["iro1"] not in r.where for r in c.index)
        # step 3: every major and important topic, as registered
        assert [r.code for r in c.step3] == step3_codes
        for r in c.step3:
            e = register[r.code]
            assert (r.upstream, r.own_operations, r.downstream) == (e.upstream, e.own_operations, e.downstream)
            assert (r.risks, r.opportunities) == ((e.risks_zh, e.opportunities_zh) if zh else (e.risks, e.opportunities))

        document = Document(io.BytesIO(chapter_docx.write(c)))
        lab = c.labels
        classes = table_with(document, lab["class"], lab["issues"])
        assert [row[0] for row in classes] == [c.class_labels[k] for k in chapter.CLASS_ORDER]
        for row, klass in zip(classes, chapter.CLASS_ORDER, strict=True):
            listed = [line.removeprefix("• ") for line in row[1].splitlines() if line]
            assert listed == [names[s.topic.code] for s in scores if s.has_answers and final[s.topic_id][0] == klass]
        step3 = table_with(document, lab["topic"], lab["class"])
        assert [row[0] for row in step3] == [names[code] for code in step3_codes]
        for row, code in zip(step3, step3_codes, strict=True):
            e = register[code]
            assert [row[2] == "√", row[3] == "√", row[4] == "√"] == [e.upstream, e.own_operations, e.downstream]
            with translation.override(language):
                assert row[8] == (str(RegisterEntry.Period(e.influence_period).label) if e.influence_period else "")
        library = table_with(document, lab["pillar"], lab["issues"])
        listed = [line.removeprefix("• ") for row in library for line in row[1].splitlines() if line]
        assert sorted(listed) == sorted(t.name_for(language) for t in active)
        people = table_with(document, lab["group"], lab["kind"])
        assert [int(row[4]) for row in people] == list(submitted.values())
        overridden = table_with(document, lab["topic"], lab["computed"])
        assert [row[3] for row in overridden] == list(reasons.values())
        assert [(row[6], row[7]) for row in step3] == [(r.risks, r.opportunities) for r in c.step3]
        assert_typed_texts_in_their_language(assessment, language, document_text(document))
        assert_typed_texts_in_their_language(assessment, language, html.unescape(chapter.render_html(c).decode()))
        assert any(p.text == c.footnote.join(["¹ ", ""]) for p in document.paragraphs)
        assert len(document.inline_shapes) == 1  # the confirmed run's matrix
        if language == "zh-hans":
            fonts = document.styles["Normal"].element.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) == chapter_docx.CJK_FONT
            every = list(document.styles.element.iter(qn("w:rFonts")))
            assert all(f.get(qn("w:eastAsia")) == chapter_docx.CJK_FONT and f.get(qn("w:eastAsiaTheme")) is None
                       for f in every)  # no theme font overrides the named one
            headers = [cell.text for t in document.tables for cell in t.rows[0].cells]
            assert not [h for h in headers if re.search(r"[A-Za-z]{2,}", h)], headers
