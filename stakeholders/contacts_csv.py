"""Validate contact import rows (pure: no Django). Every bad line is named; the caller then writes nothing.

Messages are English templates marked with gettext_noop so that makemessages collects them; the page
translates them at display time (the parser itself must not import Django).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from materiality.tables import MB, Limits, Problems, Table, broken_cells, gettext_noop, missing_columns

COLUMNS = ["name", "email", "organisation", "group", "language"]
REQUIRED = ["name", "email", "group"]
LANGUAGES = {
    "": "en", "en": "en", "english": "en",
    "zh": "zh-hans", "zh-hans": "zh-hans", "zh-cn": "zh-hans", "chinese": "zh-hans",
}
# Far more contacts than the nine groups need, and a bound on what one upload makes the server read.
LIMITS = Limits(rows=50_000, columns=50, cells=1_000_000, unpacked_bytes=100 * MB)
MAX_NAME = 200
MAX_EMAIL = 254

# Stricter than Django's EmailValidator (ASCII dot-atom only), so whatever passes here also passes there.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str  # an English template with %(name)s placeholders
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message % self.params}"


@dataclass(frozen=True)
class ContactRow:
    line: int
    name: str
    email: str  # lower-cased; may be empty
    organisation: str
    group: str
    language: str  # "en" or "zh-hans"


def is_valid_email(email: str) -> bool:
    """Check an address the way the import does (length and plain dot-atom syntax)."""
    return len(email) <= MAX_EMAIL and _EMAIL.match(email) is not None


def normalise_language(value: str) -> str | None:
    """Return "en" or "zh-hans" for the spellings people type (any case, '_' or '-'); None if unknown."""
    return LANGUAGES.get(value.strip().lower().replace("_", "-"))


def parse(table: Table, *, group_codes: set[str]) -> tuple[list[ContactRow], list[LineError]]:
    """Return the valid rows and the problems found; any problem means the caller imports nothing.

    The problems are the first MAX_ERRORS found (a Problems list, whose `more` counts the rest).
    """
    missing = missing_columns(table, REQUIRED)
    if missing:
        return [], [LineError(1, gettext_noop("missing column(s) %(missing)s; the columns are %(columns)s"),
                              {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)})]
    rows: list[ContactRow] = []
    errors = Problems()
    seen: dict[str, int] = {}
    known = ", ".join(sorted(group_codes))
    for row in table.rows:
        cells, line = row.cells, row.line
        problems: list[LineError] = []
        if row.has_extra_cells:
            problems.append(LineError(line, gettext_noop("more values than the header has columns")))
        # Every contact column holds one line.
        problems += [LineError(line, message, {"cell": column}) for message, column in broken_cells(cells, COLUMNS)]
        name = cells.get("name", "")
        if not name:
            problems.append(LineError(line, gettext_noop("the name is missing")))
        elif len(name) > MAX_NAME:
            problems.append(LineError(line, gettext_noop("the name is longer than %(max)d characters"),
                                      {"max": MAX_NAME}))
        organisation = cells.get("organisation", "")
        if len(organisation) > MAX_NAME:
            problems.append(LineError(line, gettext_noop("the organisation is longer than %(max)d characters"),
                                      {"max": MAX_NAME}))
        email = cells.get("email", "").lower()
        if email and not is_valid_email(email):
            problems.append(LineError(line, gettext_noop("e-mail %(email)r is not valid"),
                                      {"email": cells.get("email", "")}))
        elif email in seen:
            problems.append(LineError(line, gettext_noop("e-mail %(email)s already appears on line %(other)d"),
                                      {"email": email, "other": seen[email]}))
        group = cells.get("group", "").lower()
        if not group:
            problems.append(LineError(line, gettext_noop("the group is missing; use one of %(known)s"),
                                      {"known": known}))
        elif group not in group_codes:
            problems.append(LineError(line, gettext_noop("group %(group)r is unknown; use one of %(known)s"),
                                      {"group": cells.get("group", ""), "known": known}))
        language = normalise_language(cells.get("language", ""))
        if language is None:
            problems.append(LineError(line, gettext_noop("language %(language)r must be en or zh-hans"),
                                      {"language": cells.get("language", "")}))
        if email and email not in seen:
            seen[email] = line
        if problems:
            errors.add(*problems)
            continue
        rows.append(ContactRow(line=line, name=name, email=email, organisation=organisation, group=group,
                               language=language or "en"))
    if not rows and not errors:
        errors.add(LineError(1, gettext_noop("the file has a header but no contact rows")))
    return rows, errors
