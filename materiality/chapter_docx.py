"""The materiality chapter as a Word document, written with python-docx from the Chapter dataclass (chapter.py).

python-docx writes real Word tables, headings and styles that the ESG team edits further; hand-written OOXML would
have to reproduce its package and relationship handling. The Chinese document names a CJK font for East Asian text
(w:eastAsia), so Word shows the characters in that face instead of a fallback.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

if TYPE_CHECKING:
    from materiality.chapter import Chapter

CJK_FONT = "Noto Sans CJK SC"
LATIN_FONT = "Calibri"
PRINT_DPI = 300  # the matrix is placed so that its pixels print at 300 dpi at least


def set_fonts(document: Document, chinese: bool) -> None:  # type: ignore[valid-type]
    """Name the fonts in every style and in the defaults: Latin, and the CJK face for East Asian text.

    The default template points its fonts at the theme, which would win over a named font: those pointers go.
    """
    styles = document.styles.element  # type: ignore[attr-defined]
    for style in document.styles:  # type: ignore[attr-defined]
        if getattr(style, "font", None) is not None:
            style.element.get_or_add_rPr().get_or_add_rFonts()
    for fonts in styles.iter(qn("w:rFonts")):
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        fonts.set(qn("w:ascii"), LATIN_FONT)
        fonts.set(qn("w:hAnsi"), LATIN_FONT)
        if chinese:
            fonts.set(qn("w:eastAsia"), CJK_FONT)
    if chinese:
        rpr = document.styles["Normal"].element.get_or_add_rPr()  # type: ignore[attr-defined]
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")
        lang.set(qn("w:val"), "zh-CN")


def table(document: Document, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:  # type: ignore[valid-type]
    """Add a grid table with a repeated bold header row (all rows made at once: add_row per row is slow)."""
    t = document.add_table(rows=len(rows) + 1, cols=len(header))  # type: ignore[attr-defined]
    t.style = "Table Grid"
    cells = t._cells  # row-major, one per grid cell (no merged cells here)
    width = len(header)
    for i, text in enumerate(header):
        cells[i].paragraphs[0].add_run(text).bold = True
    t.rows[0]._tr.get_or_add_trPr().append(t.rows[0]._tr.makeelement(qn("w:tblHeader"), {}))
    for r, row in enumerate(rows, 1):
        for i, text in enumerate(row):
            cells[r * width + i].text = str(text)


def png_width_inches(png: bytes, room: float) -> float:
    """Return the width that prints the PNG at PRINT_DPI or finer, at most the text width."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return room
    width = struct.unpack(">I", png[16:20])[0]
    return min(room, width / PRINT_DPI)


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {i}" for i in items)


def write(c: Chapter) -> bytes:
    """Return the chapter as DOCX bytes."""
    document = Document()
    set_fonts(document, c.is_chinese)
    core = document.core_properties
    core.title, core.language = c.title, ("zh-CN" if c.is_chinese else "en")
    h, lab = c.headings, c.labels
    tick = lab["tick"]

    document.add_heading(c.title, level=1)
    document.add_paragraph(f"{c.assessment} · {lab['confirmed']} {c.confirmed} · {lab['run']} {c.run_id} · "
                           f"{lab['method']} {c.method}")

    document.add_heading(h["stakeholders"], level=2)
    document.add_paragraph(c.stakeholder_intro)
    table(document, [lab["group"], lab["kind"], lab["needs"], lab["channels"], lab["submitted"], lab["rate"]],
          [[r.name, r.kind, bullets(r.needs), bullets(r.channels), str(r.submitted),
            f"{r.rate:g}%" if r.rate is not None else "—"] for r in c.stakeholders])
    document.add_paragraph(c.total_line)

    document.add_heading(h["evaluation"], level=2)
    document.add_heading(h["procedure"], level=3)
    for paragraph in c.procedure:
        document.add_paragraph(paragraph)

    document.add_heading(h["library"], level=3)
    document.add_paragraph(c.library_title)
    table(document, [lab["pillar"], lab["issues"], lab["changes"]],
          [[r.pillar, bullets([n for _code, n in r.topics]), bullets(r.changes)] for r in c.library])
    for line in c.retired:
        document.add_paragraph(line)

    document.add_heading(h["matrix"], level=3)
    document.add_paragraph(c.result_line)
    if c.matrix_png:
        section = document.sections[0]
        room = (section.page_width - section.left_margin - section.right_margin) / 914400
        document.add_picture(io.BytesIO(c.matrix_png), width=Inches(png_width_inches(c.matrix_png, room)))
        document.add_paragraph(c.matrix_caption, style="Caption")

    document.add_heading(h["classes"], level=3)
    table(document, [lab["class"], lab["issues"]],
          [[c.class_labels[k], bullets([e.name for e in c.classes[k]])] for k in c.classes])
    if c.overrides:
        document.add_heading(h["overrides"], level=3)
        table(document, [lab["topic"], lab["computed"], lab["final"], lab["reason"]],
              [[e.name, e.computed, c.class_labels[e.final], e.reason] for e in c.overrides])

    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(h["step3"], level=3)
    document.add_paragraph(c.step3_intro)
    table(document, [lab["topic"], lab["class"], lab["upstream"], lab["own"], lab["downstream"], lab["stakeholders"],
                     lab["risks"], lab["opportunities"], f"{lab['period']} ¹"],
          [[r.name, r.klass, tick if r.upstream else "", tick if r.own_operations else "",
            tick if r.downstream else "", r.groups, r.risks, r.opportunities, r.period]
           for r in c.step3])
    note = document.add_paragraph(f"¹ {c.footnote}")
    for run in note.runs:
        run.font.size = Pt(8)

    if c.iros:
        document.add_heading(h["iros"], level=3)
        table(document, [lab["topic"], lab["code"], lab["iro_kind"], lab["title"], lab["value_chain"],
                         lab["horizon"], lab["score"], lab["raters"]],
              [[r.topic, r.code, r.kind, r.title, r.value_chain, r.horizon,
                f"{r.score:.2f}" if r.score is not None else "", str(r.n)] for r in c.iros])
    if c.iro1:
        document.add_heading(h["iro1"], level=3)
        for paragraph in c.iro1:
            document.add_paragraph(paragraph)

    document.add_heading(h["changes"], level=3)
    for line in c.changes:
        document.add_paragraph(line, style="List Bullet")

    document.add_heading(h["index"], level=2)
    table(document, [lab["framework"], lab["code"], lab["disclosure"], lab["where"]],
          [[r.framework, r.code, r.disclosure, r.where] for r in c.index])

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
