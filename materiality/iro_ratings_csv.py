"""Validate the IRO ratings file (DESIGN.md section 4) against the assessment's IROs (pure: no Django).

Every bad line is named and the caller then writes nothing. An empty cell means "don't know"; a criterion the
IRO's kind does not use must be empty. Messages are English templates marked with gettext_noop; the importer
translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from materiality.tables import Table, broken_cells, gettext_noop
from stakeholders.contacts_csv import LineError

CRITERIA = ("scale", "scope", "irremediability", "likelihood", "magnitude")
COLUMNS = ["rater", "iro", *CRITERIA, "rationale"]
RATER_LIMIT = 100
RATIONALE_LIMIT = 4000


@dataclass(frozen=True)
class RatingRow:
    line: int
    rater: str
    iro: str
    values: dict[str, int | None]
    rationale: str


@dataclass(frozen=True)
class Known:
    """What the file is checked against: each IRO's code, its criteria (DESIGN.md 3b) and how to name its kind."""

    criteria: Mapping[str, tuple[str, ...]]  # IRO code -> the criteria it is rated on
    described: Mapping[str, str]  # IRO code -> "an actual negative impact", "a risk"...
    scale: int


def check_header(table: Table) -> list[LineError]:
    missing = [c for c in COLUMNS if c not in table.header]
    unknown = [c for c in table.header if c not in COLUMNS]
    errors = []
    if missing:
        errors.append(LineError(1, gettext_noop("missing column(s) %(missing)s; the columns are %(columns)s"),
                                {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}))
    if unknown:
        errors.append(LineError(1, gettext_noop("unknown column(s) %(unknown)s; the columns are %(columns)s"),
                                {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}))
    if len(set(table.header)) != len(table.header):
        errors.append(LineError(1, gettext_noop("a column appears twice in the header")))
    return errors


def _value(line: int, name: str, cell: str, scale: int, problems: list[LineError]) -> int | None:
    if cell == "":
        return None
    try:
        number = float(cell)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or not 1 <= number <= scale:
        problems.append(LineError(line, gettext_noop("%(criterion)s %(value)r must be a whole number from 1 to "
                                                     "%(scale)s, or empty for don't know"),
                                  {"criterion": name, "value": cell, "scale": scale}))
        return None
    return int(number)


def parse_row(row: object, known: Known, seen: dict[tuple[str, str], int]) -> tuple[RatingRow | None, list[LineError]]:
    """Check one line on its own; return the typed row (None when it has problems) and its problems."""
    cells, line = row.cells, row.line  # type: ignore[attr-defined]
    problems: list[LineError] = []
    if row.has_extra_cells:  # type: ignore[attr-defined]
        problems.append(LineError(line, gettext_noop("more values than the header has columns")))
    problems += [LineError(line, message, {"cell": column})
                 for message, column in broken_cells(cells, [c for c in cells if c != "rationale"])]
    rater, code = cells.get("rater", ""), cells.get("iro", "")
    if not rater:
        problems.append(LineError(line, gettext_noop("rater is empty: give any identifier of the person")))
    elif len(rater) > RATER_LIMIT:
        problems.append(LineError(line, gettext_noop("rater is longer than %(limit)d characters"),
                                  {"limit": RATER_LIMIT}))
    criteria = known.criteria.get(code)
    if criteria is None:
        problems.append(LineError(line, gettext_noop("iro %(code)r is not an IRO of this assessment"), {"code": code}))
    elif rater:
        if (rater, code) in seen:
            problems.append(LineError(line, gettext_noop("rater %(rater)s already rates %(code)s on line %(other)d"),
                                      {"rater": rater, "code": code, "other": seen[(rater, code)]}))
        else:
            seen[(rater, code)] = line
    values = {name: _value(line, name, cells.get(name, ""), known.scale, problems) for name in CRITERIA}
    if criteria is not None:
        for name in CRITERIA:
            if name not in criteria and cells.get(name, ""):
                problems.append(LineError(line, gettext_noop(
                    "%(code)s is %(described)s, which is not rated on %(criterion)s: leave that cell empty"),
                    {"code": code, "described": known.described[code], "criterion": name}))
    rationale = cells.get("rationale", "")
    if len(rationale) > RATIONALE_LIMIT:
        problems.append(LineError(line, gettext_noop("rationale is longer than %(limit)d characters"),
                                  {"limit": RATIONALE_LIMIT}))
    if problems:
        return None, problems
    return RatingRow(line=line, rater=rater, iro=code, values=values, rationale=rationale), []


def parse(table: Table, known: Known) -> tuple[list[RatingRow], list[LineError]]:
    """Return the valid rows and every problem found; any problem means the caller imports nothing."""
    errors = check_header(table)
    if errors:
        return [], errors
    rows: list[RatingRow] = []
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        parsed, problems = parse_row(row, known, seen)
        errors += problems
        if parsed is not None:
            rows.append(parsed)
    if not rows and not errors:
        errors.append(LineError(1, gettext_noop("the file has a header but no rating rows")))
    return rows, sorted(errors, key=lambda e: e.line)
