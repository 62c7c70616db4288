"""Validate the IRO register file (DESIGN.md section 4) against the codes it is given (pure: no Django).

Every bad line is named; the caller then writes nothing. Messages are English templates marked with gettext_noop
so that makemessages collects them; the importer translates them. The 13 columns of DESIGN.md are required; five
more are optional (a column the file does not have leaves that field of an existing IRO as it is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from materiality.tables import Table, broken_cells, gettext_noop
from stakeholders.contacts_csv import LineError

COLUMNS = ["iro", "topic", "kind", "sign", "status", "human_rights", "title_en", "title_zh", "description",
           "value_chain", "horizon", "groups", "effect"]
OPTIONAL = ["description_zh", "arises_from", "dependencies", "predecessor", "to_reassess"]
KINDS = ("impact", "risk", "opportunity")
SIGNS = ("negative", "positive")
STATUSES = ("actual", "potential")
HORIZONS = ("short", "medium", "long")
VALUE_CHAIN = ("upstream", "own", "downstream")
EFFECTS = ("performance", "position", "cash_flows", "access_to_finance", "cost_of_capital", "development")
YES_NO = {"yes": True, "no": False}
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 4000
DEPENDENCIES_LIMIT = 2000
MULTI_LINE = ("description", "description_zh", "dependencies")


@dataclass(frozen=True)
class IroRow:
    line: int
    code: str
    topic: str
    kind: str
    sign: str
    status: str
    human_rights: bool | None
    title_en: str
    title_zh: str
    description_en: str
    value_chain: tuple[str, ...]
    horizon: str
    groups: tuple[str, ...]
    effect: tuple[str, ...]
    # Optional columns: None when the file does not have the column.
    description_zh: str | None
    arises_from: tuple[str, ...] | None
    dependencies: str | None
    predecessor: str | None
    to_reassess: bool | None


@dataclass(frozen=True)
class Known:
    """What the file is checked against: the assessment's topics and groups, its IROs, the previous cycle's."""

    topics: frozenset[str]
    retired_topics: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    kinds: Mapping[str, str] | None = None  # existing IRO code -> kind
    rated: Mapping[str, tuple[str, str, str]] | None = None  # IROs with ratings: code -> (kind, sign, status)
    previous: frozenset[str] = frozenset()  # the previous assessment's IRO codes
    linked_from: Mapping[str, tuple[str, ...]] | None = None  # impact code -> the IROs that arise from it


def split_list(value: str) -> tuple[str, ...]:
    """Split a list cell on ';' (DESIGN.md) or ',' and drop empty parts, keeping the order without repeats."""
    return tuple(dict.fromkeys(p.strip() for p in re.split(r"[;,]", value) if p.strip()))


def check_header(table: Table) -> list[LineError]:
    missing = [c for c in COLUMNS if c not in table.header]
    unknown = [c for c in table.header if c not in COLUMNS + OPTIONAL]
    errors = []
    if missing:
        errors.append(LineError(1, gettext_noop("missing column(s) %(missing)s; the columns are %(columns)s"),
                                {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}))
    if unknown:
        errors.append(LineError(1, gettext_noop("unknown column(s) %(unknown)s; the optional columns are %(optional)s"),
                                {"unknown": ", ".join(unknown), "optional": ", ".join(OPTIONAL)}))
    if len(set(table.header)) != len(table.header):
        errors.append(LineError(1, gettext_noop("a column appears twice in the header")))
    return errors


def _words(line: int, column: str, value: str, allowed: tuple[str, ...], problems: list[LineError]) -> tuple[str, ...]:
    words = tuple(w.lower() for w in split_list(value))
    wrong = [w for w in words if w not in allowed]
    if wrong:
        problems.append(LineError(line, gettext_noop("%(column)s: %(wrong)s not one of %(allowed)s"),
                                  {"column": column, "wrong": ", ".join(wrong), "allowed": ", ".join(allowed)}))
    return tuple(w for w in allowed if w in words)


def _limit(line: int, column: str, value: str, limit: int, problems: list[LineError]) -> None:
    if len(value) > limit:
        problems.append(LineError(line, gettext_noop("%(column)s is longer than %(limit)d characters"),
                                  {"column": column, "limit": limit}))


def parse_row(row: object, known: Known, seen: dict[str, int]) -> tuple[IroRow | None, list[LineError]]:
    """Check one line on its own; return the typed row (None when it has problems) and its problems."""
    cells, line = row.cells, row.line  # type: ignore[attr-defined]
    problems: list[LineError] = []
    if row.has_extra_cells:  # type: ignore[attr-defined]
        problems.append(LineError(line, gettext_noop("more values than the header has columns")))
    one_line = [c for c in cells if c not in MULTI_LINE]
    problems += [LineError(line, message, {"cell": column}) for message, column in broken_cells(cells, one_line)]
    code = cells.get("iro", "")
    if not CODE.match(code):
        problems.append(LineError(line, gettext_noop("iro %(code)r must be 1-32 letters, digits, '.', '_' or '-'"),
                                  {"code": code}))
    elif code in seen:
        problems.append(LineError(line, gettext_noop("iro %(code)s already appears on line %(other)d"),
                                  {"code": code, "other": seen[code]}))
    else:
        seen[code] = line
    topic = cells.get("topic", "")
    if topic in known.retired_topics:
        problems.append(LineError(line, gettext_noop("topic %(topic)s is retired in this library"), {"topic": topic}))
    elif topic not in known.topics:
        problems.append(LineError(line, gettext_noop("topic %(topic)r is not in the assessment's library"),
                                  {"topic": topic}))
    kind = cells.get("kind", "").lower()
    sign, status = cells.get("sign", "").lower(), cells.get("status", "").lower()
    rights_cell = cells.get("human_rights", "").lower()
    human_rights = YES_NO.get(rights_cell)
    effect = _words(line, "effect", cells.get("effect", ""), EFFECTS, problems)
    arises_from = split_list(cells["arises_from"]) if "arises_from" in cells else None
    dependencies = cells.get("dependencies")
    if kind not in KINDS:
        problems.append(LineError(line, gettext_noop("kind %(kind)r must be impact, risk or opportunity"),
                                  {"kind": cells.get("kind", "")}))
    elif kind == "impact":
        if sign not in SIGNS:
            problems.append(LineError(line, gettext_noop("an impact's sign must be negative or positive, not %(value)r"),
                                      {"value": cells.get("sign", "")}))
        if status not in STATUSES:
            problems.append(LineError(line, gettext_noop("an impact's status must be actual or potential, not "
                                                         "%(value)r"), {"value": cells.get("status", "")}))
        if human_rights is None:
            problems.append(LineError(line, gettext_noop("an impact's human_rights must be yes or no, not %(value)r"),
                                      {"value": cells.get("human_rights", "")}))
        for column, value in (("effect", effect), ("arises_from", arises_from), ("dependencies", dependencies)):
            if value:
                problems.append(LineError(line, gettext_noop("%(column)s is for risks and opportunities: leave it "
                                                             "empty for an impact"), {"column": column}))
    else:
        for column, value in (("sign", sign), ("status", status), ("human_rights", rights_cell)):
            if value:
                problems.append(LineError(line, gettext_noop("%(column)s is for impacts: leave it empty for a "
                                                             "%(kind)s"), {"column": column, "kind": kind}))
    if known.rated and code in known.rated and kind in KINDS and known.rated[code] != (
            kind, sign if kind == "impact" else "", status if kind == "impact" else ""):
        before = " ".join(filter(None, known.rated[code]))
        problems.append(LineError(line, gettext_noop("%(code)s already has ratings (as %(before)s): its kind, sign "
                                                     "and status can no longer change"),
                                  {"code": code, "before": before}))
    title_en = cells.get("title_en", "")
    if not title_en:
        problems.append(LineError(line, gettext_noop("title_en is empty")))
    for column, limit in (("title_en", TITLE_LIMIT), ("title_zh", TITLE_LIMIT), ("description", DESCRIPTION_LIMIT),
                          ("description_zh", DESCRIPTION_LIMIT), ("dependencies", DEPENDENCIES_LIMIT)):
        _limit(line, column, cells.get(column, ""), limit, problems)
    value_chain = _words(line, "value_chain", cells.get("value_chain", ""), VALUE_CHAIN, problems)
    horizon = cells.get("horizon", "").lower()
    if horizon and horizon not in HORIZONS:
        problems.append(LineError(line, gettext_noop("horizon %(value)r must be short, medium, long or empty"),
                                  {"value": cells.get("horizon", "")}))
    groups = split_list(cells.get("groups", ""))
    unknown_groups = [g for g in groups if g not in known.groups]
    if unknown_groups:
        problems.append(LineError(line, gettext_noop("unknown stakeholder group(s) %(groups)s"),
                                  {"groups": ", ".join(unknown_groups)}))
    predecessor = cells.get("predecessor")
    if predecessor and predecessor not in known.previous:
        problems.append(LineError(line, gettext_noop("predecessor %(code)r is not an IRO of the previous assessment"),
                                  {"code": predecessor}))
    reassess_cell = cells.get("to_reassess")
    to_reassess = None if reassess_cell is None else YES_NO.get(reassess_cell.lower() or "no")
    if reassess_cell is not None and to_reassess is None:
        problems.append(LineError(line, gettext_noop("to_reassess must be yes, no or empty, not %(value)r"),
                                  {"value": reassess_cell}))
    if problems:
        return None, problems
    return IroRow(
        line=line, code=code, topic=topic, kind=kind, sign=sign if kind == "impact" else "",
        status=status if kind == "impact" else "", human_rights=human_rights if kind == "impact" else None,
        title_en=title_en, title_zh=cells.get("title_zh", ""), description_en=cells.get("description", ""),
        value_chain=value_chain, horizon=horizon, groups=groups, effect=effect,
        description_zh=cells.get("description_zh"), arises_from=arises_from,
        dependencies=dependencies, predecessor=predecessor, to_reassess=to_reassess,
    ), []


def check_links(rows: list[IroRow], known: Known) -> list[LineError]:
    """Check that every risk or opportunity arises from impacts: of this file, or already in the assessment."""
    kinds = {**(known.kinds or {}), **{r.code: r.kind for r in rows}}
    in_file = {r.code for r in rows}
    errors = []
    for row in rows:
        others = [c for c in (known.linked_from or {}).get(row.code, ()) if c not in in_file]
        if row.kind != "impact" and others:
            errors.append(LineError(row.line, gettext_noop("%(code)s must stay an impact: %(others)s arise(s) from it"),
                                    {"code": row.code, "others": ", ".join(others)}))
        for code in row.arises_from or ():
            if code == row.code:
                errors.append(LineError(row.line, gettext_noop("%(code)s cannot arise from itself"), {"code": code}))
            elif code not in kinds:
                errors.append(LineError(row.line, gettext_noop("arises_from: %(code)s is not an IRO of this assessment "
                                                               "or this file"), {"code": code}))
            elif kinds[code] != "impact":
                errors.append(LineError(row.line, gettext_noop("arises_from: %(code)s is a %(kind)s, not an impact"),
                                        {"code": code, "kind": kinds[code]}))
    return errors


def parse(table: Table, known: Known) -> tuple[list[IroRow], list[LineError]]:
    """Return the valid rows and every problem found; any problem means the caller imports nothing."""
    errors = check_header(table)
    if errors:
        return [], errors
    rows: list[IroRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        parsed, problems = parse_row(row, known, seen)
        errors += problems
        if parsed is not None:
            rows.append(parsed)
    errors += check_links(rows, known)
    if not rows and not errors:
        errors.append(LineError(1, gettext_noop("the file has a header but no IRO rows")))
    return rows, sorted(errors, key=lambda e: e.line)
