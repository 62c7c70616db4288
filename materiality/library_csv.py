"""Validate library import rows (pure: no Django). Every bad line is named; the caller writes nothing then."""

from __future__ import annotations

import re
from dataclasses import dataclass

from materiality.tables import MB, Limits, Problems, Table, broken_cells, missing_columns

COLUMNS = (
    "code", "pillar", "name_en", "name_zh", "description_en", "description_zh",
    "change_kind", "predecessors", "change_note", "change_note_zh",
)
REQUIRED = ["code", "pillar", "name_en"]
PILLARS = ("E", "S", "G")
CHANGE_KINDS = ("unchanged", "renamed", "expanded", "merged", "split", "new", "retired")
TEXT_LIMIT = 2000
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
# A library has dozens of topics: these leave room for any real one and refuse a file that only looks small.
LIMITS = Limits(rows=5_000, columns=50, cells=250_000, unpacked_bytes=50 * MB)
SINGLE_LINE = ("code", "pillar", "name_en", "name_zh", "change_kind", "predecessors")


@dataclass(frozen=True)
class TopicRow:
    line: int
    code: str
    pillar: str
    name_en: str
    name_zh: str
    description_en: str
    description_zh: str
    change_kind: str
    predecessors: tuple[str, ...]
    change_note: str
    change_note_zh: str = ""


def parse(table: Table, *, previous_codes: set[str]) -> tuple[list[TopicRow], list[str]]:
    """Return the valid rows and the errors ("line N: ..."); any error means import nothing.

    The errors are the first MAX_ERRORS found (a Problems list, whose `more` counts the rest).
    """
    missing = missing_columns(table, REQUIRED)
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}"]
    rows: list[TopicRow] = []
    errors = Problems()
    seen: dict[str, int] = {}
    for row in table.rows:
        cells, line = row.cells, row.line
        problems = []
        if row.has_extra_cells:
            problems.append("more values than the header has columns")
        problems += [message % {"cell": column} for message, column in broken_cells(cells, SINGLE_LINE)]
        code = cells.get("code", "")
        if not CODE_PATTERN.match(code):
            problems.append(f"code {code!r} must be 1-16 letters, digits, '.', '_' or '-'")
        elif code in seen:
            problems.append(f"code {code} already appears on line {seen[code]}")
        pillar = cells.get("pillar", "").upper()
        if pillar not in PILLARS:
            problems.append(f"pillar {cells.get('pillar', '')!r} must be E, S or G")
        name_en = cells.get("name_en", "")
        if not name_en:
            problems.append("name_en is empty")
        elif len(name_en) > 200 or len(cells.get("name_zh", "")) > 200:
            problems.append("names are limited to 200 characters")
        for column in ("description_en", "description_zh", "change_note", "change_note_zh"):
            if len(cells.get(column, "")) > TEXT_LIMIT:
                problems.append(f"{column} is limited to {TEXT_LIMIT} characters")
        predecessors = tuple(p.strip() for p in re.split(r"[;,]", cells.get("predecessors", "")) if p.strip())
        kind = (cells.get("change_kind", "") or ("unchanged" if predecessors else "new")).lower()
        if kind not in CHANGE_KINDS:
            problems.append(f"change_kind {kind!r} must be one of {', '.join(CHANGE_KINDS)}")
        unknown = [p for p in predecessors if p not in previous_codes]
        if unknown:
            problems.append(f"predecessor(s) {', '.join(unknown)} not in last year's library")
        if kind == "new" and predecessors:
            problems.append("a new topic cannot have predecessors")
        if problems:
            errors.add(f"line {line}: " + "; ".join(problems))
            continue
        seen[code] = line
        rows.append(TopicRow(
            line=line, code=code, pillar=pillar, name_en=name_en, name_zh=cells.get("name_zh", ""),
            description_en=cells.get("description_en", ""), description_zh=cells.get("description_zh", ""),
            change_kind=kind, predecessors=predecessors, change_note=cells.get("change_note", ""),
            change_note_zh=cells.get("change_note_zh", ""),
        ))
    if not rows and not errors:
        errors.add("the file has a header but no topic rows")
    return rows, errors
