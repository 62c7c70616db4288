"""Import offline answers (the response CSV/XLSX) into an assessment: all or nothing, replacing by respondent id.

The file streams through a staging table: each chunk is checked (surveys.responses_csv) and copied in (COPY on
PostgreSQL, executemany elsewhere), then set-based SQL checks what needs the whole file and writes the
responses and ratings. Nothing is written unless every line is right; every bad line is named with its reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

import pandas as pd
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materiality import audit, tables
from materiality.models import Assessment, Topic
from materiality.services import ImportRefused, check_not_frozen
from surveys import responses_csv, tally
from surveys.models import Questionnaire, Rating, Response
from surveys.services import questionnaire_topics

MAX_ERRORS = 500
ANALYZE_AFTER = 50_000  # ratings written by one import
ANALYZE_RESPONSES_AFTER = 2_000  # responses written by one import, before its ratings
STAGING_COLUMNS = ["line", "respondent", "grp", "topic", "group_id", "topic_id", "questionnaire_id", "severity",
                   "likelihood", "magnitude", "financial_likelihood", "horizon", "comment"]

LINE_MESSAGES = {
    "respondent_missing": gettext_lazy("the respondent id is empty"),
    "respondent_too_long": gettext_lazy("the respondent id is longer than %(limit)s characters"),
    "unknown_group": gettext_lazy("'%(value)s' is not a respondent group of this assessment"),
    "unknown_topic": gettext_lazy("'%(value)s' is not an active topic of this assessment's library"),
    "bad_value": gettext_lazy("%(name)s '%(value)s' is not a whole number from 1 to %(scale)s (leave it empty "
                              "for don't know)"),
    "bad_horizon": gettext_lazy("horizon '%(value)s' must be short, medium, long or empty"),
    "no_questionnaire": gettext_lazy("no questionnaire of this assessment is addressed to group '%(value)s'"),
    "comment_too_long": gettext_lazy("the comment is longer than %(limit)s characters"),
    "nul_character": gettext_lazy("the %(cell)s cell contains a null character, which cannot be stored; remove it"),
    "not_asked_financial": gettext_lazy("group '%(value)s' is not asked the financial items (magnitude, "
                                        "financial_likelihood, horizon); leave them empty"),
    "not_asked": gettext_lazy("group '%(value)s' is not asked %(items)s; leave them empty"),
    "topic_not_asked": gettext_lazy("topic '%(value)s' is not asked of this respondent's group (its questionnaire "
                                    "asks the group only some topics)"),
    "duplicate": gettext_lazy("respondent '%(respondent)s' rates topic %(topic)s again (first on line %(first)s)"),
    "two_groups": gettext_lazy("respondent '%(respondent)s' is in group '%(group)s' here but in '%(other)s' on "
                               "line %(first)s"),
}
FILE_MESSAGES = {
    "not_utf8": gettext_lazy("The file is not UTF-8 text (line %(line)s, byte %(position)s). Save it as 'CSV "
                             "UTF-8'."),
    "wrong_delimiter": gettext_lazy("The header reads as one column: the file seems to separate its columns with "
                                    "'%(delimiter)s'. Save it as CSV with commas."),
    "empty": gettext_lazy("The file is empty: a header row is required."),
    "unreadable": gettext_lazy("The CSV cannot be read: %(detail)s"),
    "unknown_columns": gettext_lazy("Unknown columns: %(columns)s. The columns are: %(expected)s."),
    "missing_columns": gettext_lazy("Missing required columns: %(columns)s."),
    "repeated_columns": gettext_lazy("A column appears twice in the header."),
    "not_xlsx": gettext_lazy("The file is not a readable XLSX workbook."),
    "wrong_type": gettext_lazy("Upload a .csv or .xlsx file."),
    "no_rows": gettext_lazy("The file has a header but no answers."),
    # The limits of responses_csv.UPLOAD_LIMITS / COMMAND_LIMITS, worded as materiality.tables words them.
    "too_many_rows": gettext_lazy(tables.TOO_MANY_ROWS),
    "too_many_columns": gettext_lazy(tables.TOO_MANY_COLUMNS),
    "too_many_cells": gettext_lazy(tables.TOO_MANY_CELLS),
    "too_large": gettext_lazy(tables.TOO_LARGE),
}


@dataclass(frozen=True)
class ImportSummary:
    respondents: int
    ratings: int
    replaced: int


def line_message(error: responses_csv.LineError) -> str:
    return _("Line %(line)s: %(reason)s") % {"line": error.line, "reason": LINE_MESSAGES[error.code] % error.params}


def file_message(error: responses_csv.FileError) -> str:
    return str(FILE_MESSAGES[error.code] % error.params)


def refuse(errors: list[responses_csv.LineError], total: int) -> ImportRefused:
    messages = [line_message(e) for e in sorted(errors, key=lambda e: e.line)[:MAX_ERRORS]]
    if total > len(messages):
        messages.append(_("… and %(count)s more errors.") % {"count": total - len(messages)})
    return ImportRefused(messages)


def questionnaires_by_group(assessment: Assessment) -> dict[str, int]:
    """Return, per group code, the assessment's first questionnaire addressed to it."""
    found: dict[str, int] = {}
    through = Questionnaire.groups.through.objects.filter(questionnaire__assessment=assessment)
    for code, questionnaire_id in through.order_by("questionnaire_id").values_list("stakeholdergroup__code",
                                                                                    "questionnaire_id"):
        found.setdefault(code, questionnaire_id)
    return found


def asked_by_group(assessment: Assessment, questionnaires: dict[str, int]) -> dict[str, set[str]]:
    """Return, per group code, the answer columns its questionnaire asks (the others must stay empty)."""
    flags = {q.pk: q for q in Questionnaire.objects.filter(pk__in=set(questionnaires.values()))}
    return {code: {item for item in responses_csv.ITEMS if getattr(flags[pk], f"asks_{item}")}
            for code, pk in questionnaires.items()}


PAIR = responses_csv.PAIR


def unasked_pairs(questionnaires: dict[str, int]) -> list[str]:
    """Return "group<PAIR>topic" for every active topic a group's questionnaire does not ask it (none usually)."""
    found = Questionnaire.objects.filter(pk__in=set(questionnaires.values())).select_related("assessment__library")
    by_pk = {q.pk: q for q in found}
    pairs = []
    for code, pk in questionnaires.items():
        questionnaire = by_pk[pk]
        if not questionnaire.topic_subsets:
            continue
        group_id = questionnaire.groups.values_list("pk", flat=True).get(code=code)
        topics = questionnaire_topics(questionnaire)
        asked = {t.pk for t in questionnaire.topics_for(group_id, topics)}
        pairs += [f"{code}{PAIR}{t.code}" for t in topics if t.pk not in asked]
    return pairs


def import_responses(
    assessment: Assessment, stream: IO[bytes] | bytes, filename: str, *, acting_user: Any = None,
    limits: tables.Limits = responses_csv.UPLOAD_LIMITS,
) -> ImportSummary:
    """Import a response file into the assessment; raise ImportRefused (nothing written) if any line is wrong.

    A confirmed assessment raises AssessmentFrozen; each import that writes is one entry of the audit trail. A file
    over `limits` (the command passes responses_csv.COMMAND_LIMITS) is refused before its lines are read.
    """
    check_not_frozen(assessment)
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    topic_ids = dict(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).values_list("code", "pk"))
    group_ids = dict(assessment.group_weights.values_list("group__code", "group_id"))
    questionnaires = questionnaires_by_group(assessment)
    asked = asked_by_group(assessment, questionnaires)
    try:
        responses_csv.check_limits(stream, filename, limits)
        with transaction.atomic():
            tally.bulk_writer(connection)  # a long transaction: its tally row must not be a respondent's
            summary = None
            if fast_path_applies(stream, filename):
                summary = _import_clean(assessment, stream, topic_ids, group_ids, questionnaires, asked)
                if summary is None:
                    stream.seek(0)  # not plainly clean: COPY and SQL check every line
                    summary = _import_copy(assessment, stream, topic_ids, group_ids, questionnaires, asked)
                if summary is None:
                    stream.seek(0)  # PostgreSQL could not read the file as plain CSV: the slow path names the problem
            if summary is None:
                summary = _import(assessment, stream, filename, topic_ids, group_ids, questionnaires, asked, limits)
            audit.record(acting_user, "responses.import", assessment, assessment=assessment, after={
                "file": filename, "respondents": summary.respondents, "replaced": summary.replaced,
                "ratings": summary.ratings})
            return summary
    except responses_csv.FileError as exc:
        raise ImportRefused([file_message(exc)]) from None


def _import(
    assessment: Assessment, stream: IO[bytes], filename: str, topic_ids: dict[str, int], group_ids: dict[str, int],
    questionnaires: dict[str, int], asked: dict[str, set[str]], limits: tables.Limits,
) -> ImportSummary:
    staging = Staging()
    unasked = unasked_pairs(questionnaires)
    errors: list[responses_csv.LineError] = []
    error_count = rows = 0
    for chunk in responses_csv.read_chunks(stream, filename, limits=limits):
        typed, found = responses_csv.validate(chunk, topic_codes=topic_ids, group_codes=group_ids,
                                              scale=assessment.scale, asked=asked)
        known_group = typed["group"].isin(list(group_ids))
        unaddressed = known_group & ~typed["group"].isin(list(questionnaires))
        found += [responses_csv.LineError(int(line), "no_questionnaire", {"value": g})
                  for line, g in zip(typed.loc[unaddressed, "line"], typed.loc[unaddressed, "group"], strict=True)]
        not_asked = (typed["group"] + PAIR + typed["topic"]).isin(unasked)
        found += [responses_csv.LineError(int(line), "topic_not_asked", {"value": t})
                  for line, t in zip(typed.loc[not_asked, "line"], typed.loc[not_asked, "topic"], strict=True)]
        error_count += len(found)
        errors = (errors + found)[:MAX_ERRORS] if len(errors) < MAX_ERRORS else errors
        rows += len(typed)
        # Lines with a usable respondent, group and topic are staged even in a refused file: the whole-file checks
        # (the same topic twice, two groups) then still name their lines.
        usable = (typed["group"].isin(list(group_ids)) & typed["topic"].isin(list(topic_ids))
                  & typed["respondent"].str.len().between(1, responses_csv.MAX_RESPONDENT_LENGTH)
                  # PostgreSQL cannot stage a NUL (a DataError); its line is named and refused anyway.
                  & ~typed["line"].isin([e.line for e in found if e.code == "nul_character"]))
        kept = typed[usable]
        staging.write(kept.assign(
            group_id=kept["group"].map(group_ids), topic_id=kept["topic"].map(topic_ids),
            questionnaire_id=kept["group"].map(questionnaires).astype("Int64"),
        ))
    if error_count:
        file_errors = staging.whole_file_errors()
        raise refuse(errors + file_errors, error_count + len(file_errors))
    if not rows:
        raise ImportRefused([str(FILE_MESSAGES["no_rows"])])
    return staging.apply(assessment)


def fast_path_applies(stream: IO[bytes], filename: str) -> bool:
    """Whether PostgreSQL can read the file itself: a CSV on PostgreSQL that can be read again if COPY gives up."""
    return (connection.vendor == "postgresql" and filename.lower().endswith((".csv", ".txt"))
            and stream.seekable())


def _import_clean(
    assessment: Assessment, stream: IO[bytes], topic_ids: dict[str, int], group_ids: dict[str, int],
    questionnaires: dict[str, int], asked: dict[str, set[str]],
) -> ImportSummary | None:
    """Import a plainly clean CSV through surveys.clean_import (one parse, one COPY); None when it is not one."""
    from surveys import clean_import  # pyarrow loads only for a CSV on PostgreSQL

    header = read_header(stream)
    if header is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")  # the reference trigger's pass over the new ratings
    # A line answering a topic its group is not asked makes the file unclean: the COPY path then names it.
    done = clean_import.import_clean(assessment.pk, stream, header, topic_ids, group_ids, questionnaires, asked,
                                     assessment.scale, unasked_pairs(questionnaires))
    if done is None:
        return None
    respondents, ratings, replaced = done
    if ratings >= ANALYZE_AFTER:  # as Staging.apply: the planner's statistics would still say the tables are tiny
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Response._meta.db_table}, {Rating._meta.db_table}")
    return ImportSummary(respondents=respondents, ratings=ratings, replaced=replaced)


HORIZON_WORDS = ", ".join(f"'{word}'" for word in ("", *responses_csv.HORIZONS))  # a horizon cell's words, as SQL

# The checks of responses_csv.validate in SQL, in its order: (code, cell, condition that makes the line bad); c.v_x
# is the trimmed cell of column x. The bad_value checks for the four value columns go after unknown_topic.
CHECKS = [
    ("respondent_missing", "respondent", "c.v_respondent = ''"),
    ("respondent_too_long", "respondent", "length(c.v_respondent) > %(limit)s"),
    ("unknown_group", "grp", "NOT c.v_grp = ANY(%(groups)s)"),
    ("unknown_topic", "topic", "NOT (upper(c.v_topic) = ANY(%(topics)s) OR c.v_topic = ANY(%(topics)s))"),
    ("bad_horizon", "horizon", f"NOT lower(c.v_horizon) IN ({HORIZON_WORDS})"),
    ("comment_too_long", "comment", "length(c.v_comment) > %(comment_limit)s"),
    ("no_questionnaire", "grp", "c.v_grp = ANY(%(groups)s) AND NOT c.v_grp = ANY(%(addressed)s)"),
    ("not_asked_financial", "grp", "c.v_grp = ANY(%(no_financial)s) AND NOT ("
     + " AND ".join(f"c.v_{item} = ''" for item in responses_csv.FINANCIAL_ITEMS) + ")"),
    ("not_asked", "grp", "(" + " OR ".join(f"(c.v_{item} <> '' AND c.v_grp = ANY(%(skips_{item})s))"
                                          for item in responses_csv.ITEMS) + ")"),
    ("topic_not_asked", "topic", "(c.v_grp || chr(31) || upper(c.v_topic)) = ANY(%(unasked)s) "
     "OR (c.v_grp || chr(31) || c.v_topic) = ANY(%(unasked)s)"),
]
# pandas.to_numeric's idea of a number (signs, decimals, exponents); exponents beyond 3 digits are never 1..S.
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"


def value_ok_sql(cell: str) -> str:
    """SQL that is true when a trimmed cell is empty or a whole number 1..S (written any way pandas reads one).

    CASE fixes the order of evaluation, so a cell that is not a number is never cast.
    """
    return (f"CASE WHEN {cell} = '' OR {cell} = ANY(%(literals)s) THEN true WHEN {cell} ~ '{NUMBER}' THEN "
            f"({cell}::numeric = trunc({cell}::numeric) AND {cell}::numeric BETWEEN 1 AND %(scale)s) ELSE false END")


def _import_copy(
    assessment: Assessment, stream: IO[bytes], topic_ids: dict[str, int], group_ids: dict[str, int],
    questionnaires: dict[str, int], asked: dict[str, set[str]],
) -> ImportSummary | None:
    """Import a CSV by COPYing its bytes into a temporary table and checking every line in set-based SQL.

    Python only reads the header; PostgreSQL parses the millions of lines. The first attempt COPYs the values
    straight into smallint columns; a clean file (the usual case) passes one aggregate scan and its ratings are written
    straight from the COPYed lines, with no staging copy. A file COPY cannot type, or one with any bad line, goes
    again through text columns, where every cell is checked and worded as the pandas path words it. Returns None
    (nothing written) when COPY refuses the file's shape or encoding: the pandas path then reads it and names the
    problem.
    """
    header = read_header(stream)
    if header is None:
        return None
    body = stream.tell()
    with connection.cursor() as cursor:
        # For this transaction only: hashing a file's respondents fits in memory instead of spilling to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
    query = CopyChecks(assessment, topic_ids, group_ids, questionnaires, asked)
    try:
        with transaction.atomic():  # a savepoint: a refused typed attempt leaves nothing behind
            if copy_raw(stream, header, typed=True):
                query.summarise_cells()
                query.map_codes("SELECT grp, topic FROM import_cells")
                if query.typed_cells_are_clean():
                    return Staging(source=query.view_clean_lines()).apply(assessment)
            raise _TryText
    except _TryText:
        pass
    stream.seek(body)
    if not copy_raw(stream, header, typed=False):
        return None
    found = query.bad_lines()
    query.map_codes("SELECT DISTINCT coalesce(grp, '') AS grp, coalesce(topic, '') AS topic FROM import_raw")
    staged = query.stage()
    staging = Staging(source="import_staging")
    if found:
        total = query.count_bad_lines()
        file_errors = staging.whole_file_errors()
        raise refuse([sql_error(line, code, value, assessment.scale, query.skipped)
                      for line, _ord, code, value in found[:MAX_ERRORS]] + file_errors, total + len(file_errors))
    if not staged:
        raise ImportRefused([str(FILE_MESSAGES["no_rows"])])
    return staging.apply(assessment)


class _TryText(Exception):
    """The typed attempt did not settle the file: undo it and check the file cell by cell."""


RAW_COLUMNS = ["respondent", "grp", "topic", *responses_csv.VALUE_COLUMNS, "horizon", "comment"]


def read_header(stream: IO[bytes]) -> list[str] | None:
    """Read the header line; return the COPY column list, or None when only the pandas path can word the problem."""
    first = stream.readline()
    try:
        header_text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if not header_text.strip():
        raise responses_csv.FileError("empty")
    header = responses_csv.check_header(next(csv.reader([header_text])))
    return [("grp" if c == "group" else c) for c in header] if header else None


def drop_temporary_tables(cursor: Any) -> None:
    """Drop the temporary tables an earlier import left in this transaction (or session, on SQLite)."""
    cursor.execute("DROP VIEW IF EXISTS import_lines")  # first: it depends on import_raw and import_codes
    for table in ("import_raw", "import_cells", "import_codes", "import_staging", "import_respondents"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def copy_raw(stream: IO[bytes], header: list[str], *, typed: bool) -> bool:
    """COPY the file's lines into import_raw (values as smallint when typed); False when COPY refuses them."""
    import psycopg

    def kind(column: str) -> str:
        return "smallint" if typed and column in responses_csv.VALUE_COLUMNS else "text"

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            drop_temporary_tables(cursor)
            cursor.execute("CREATE TEMPORARY TABLE import_raw (id bigint GENERATED ALWAYS AS IDENTITY, "
                           + ", ".join(f"{c} {kind(c)}" for c in RAW_COLUMNS) + ") ON COMMIT DROP")
            # Typed, an empty text cell reads as '' (not NULL): joins and groups then use the bare columns, whose
            # statistics the planner knows.
            texts = [c for c in header if kind(c) == "text"]
            options = f", FORCE_NOT_NULL ({', '.join(texts)})" if typed else ""
            with cursor.copy(f"COPY import_raw ({', '.join(header)}) FROM STDIN (FORMAT csv{options})") as copy:
                while block := stream.read(1 << 20):
                    copy.write(block)
            cursor.execute("ANALYZE import_raw")  # a fresh temporary table has no statistics: the joins need them
    except (psycopg.Error, DatabaseError):
        return False
    return True


def fetch(sql: str, params: object) -> list[tuple]:  # type: ignore[type-arg]
    """Run one query of the import's and return its rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class CopyChecks:
    """The SQL that checks the lines COPY put in import_raw: per cell for typed columns, per line for text ones."""

    def __init__(self, assessment: Assessment, topic_ids: dict[str, int], group_ids: dict[str, int],
                 questionnaires: dict[str, int], asked: dict[str, set[str]]) -> None:
        self.scale = assessment.scale
        self.skipped = {code: responses_csv.not_asked(items) for code, items in asked.items()}
        self.params = {
            "limit": responses_csv.MAX_RESPONDENT_LENGTH, "groups": list(group_ids), "topics": list(topic_ids),
            "addressed": list(questionnaires), "literals": [str(n) for n in range(1, self.scale + 1)],
            "scale": self.scale, "comment_limit": responses_csv.MAX_COMMENT_LENGTH,
            "no_financial": [code for code, (no_financial, _others) in self.skipped.items() if no_financial],
            **{f"skips_{item}": [code for code, (_nf, others) in self.skipped.items() if item in others]
               for item in responses_csv.ITEMS},
            "topic_ids": list(topic_ids.values()), "group_ids": list(group_ids.values()),
            "questionnaire_by_group": [questionnaires.get(code) for code in group_ids],
            "unasked": unasked_pairs(questionnaires),
        }

    @staticmethod
    def cells() -> str:
        """The non-blank lines of the text columns with trimmed cells v_x; the header is line 1.

        k_grp and k_topic are the group and topic cells as written: the keys of import_codes.
        """
        trimmed = ", ".join(f"btrim(coalesce({c}, '')) AS v_{c}" for c in RAW_COLUMNS)
        blank = " AND ".join(f"coalesce({c}, '') = ''" for c in RAW_COLUMNS)  # a line of empty cells is not data
        return (f"SELECT id + 1 AS line, {trimmed}, coalesce(grp, '') AS k_grp, coalesce(topic, '') AS k_topic "
                f"FROM import_raw WHERE NOT ({blank})")

    @staticmethod
    def checks() -> list[tuple[str, str, str]]:
        return [*CHECKS[:4], *((f"bad_value:{c}", c, f"NOT {value_ok_sql('c.v_' + c)}")
                               for c in responses_csv.VALUE_COLUMNS), *CHECKS[4:]]

    def checks_sql(self) -> str:
        """The text columns' problems, one row per (line, check) that fails, in the pandas path's order."""
        checks = self.checks()
        # One scan picks the bad lines (any check true); only those are taken apart check by check, in order.
        return (
            f"SELECT c.line, p.ord, p.code, p.value FROM (SELECT * FROM ({self.cells()}) c WHERE "
            + " OR ".join(f"({condition})" for _code, _cell, condition in checks) + ") c CROSS JOIN LATERAL (VALUES "
            + ", ".join(f"({i}, '{code}', c.v_{cell}, {condition})" for i, (code, cell, condition) in enumerate(checks))
            + ") AS p(ord, code, value, bad) WHERE p.bad"
        )

    def fetch(self, sql: str) -> list[tuple]:  # type: ignore[type-arg]
        return fetch(sql, self.params)

    def summarise_cells(self) -> None:
        """Create import_cells: per (group, topic) cell of a typed file, what the per-line rules need to know.

        One aggregate scan replaces a per-line test of every rule: a cell's lowest and highest value, how many
        lines give each item, whether a horizon is not one of the words, and the longest comment. The common case
        is tested first so that trimming and lower-casing run only on the rare cell that needs them; a comment
        too long before trimming only sends the file to the exact checks. The respondent ids are checked once per
        respondent, later (Staging.apply).
        """
        counts = ", ".join(f"count({v}) AS n_{v}" for v in responses_csv.VALUE_COLUMNS)
        values = ", ".join(responses_csv.VALUE_COLUMNS)
        given = {item: f"count(*) FILTER (WHERE {item} <> '' AND btrim({item}) <> '') AS n_{item}"
                 for item in ("horizon", "comment")}
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE import_cells ON COMMIT DROP AS SELECT grp, topic, min(least({values})) AS "
                f"low, max(greatest({values})) AS high, {counts}, {given['horizon']}, {given['comment']}, "
                f"bool_or(CASE WHEN horizon IN ({HORIZON_WORDS}) THEN false "
                f"ELSE lower(btrim(horizon)) NOT IN ({HORIZON_WORDS}) END) AS bad_horizon, "
                "max(length(comment)) AS longest_comment FROM import_raw GROUP BY grp, topic",
            )

    def typed_cells_are_clean(self) -> bool:
        """Whether every cell maps to a group and topic and no line breaks a per-line rule (import_cells)."""
        bad = [
            "m.questionnaire_id IS NULL", "c.low < 1", "c.high > %(scale)s", "c.bad_horizon",
            "c.longest_comment > %(comment_limit)s",
            "m.group_code = ANY(%(no_financial)s) AND "
            + " + ".join(f"c.n_{item}" for item in responses_csv.FINANCIAL_ITEMS) + " > 0",
            *(f"m.group_code = ANY(%(skips_{item})s) AND c.n_{item} > 0" for item in responses_csv.ITEMS),
            "(m.group_code || chr(31) || m.topic_code) = ANY(%(unasked)s)",
        ]
        return bool(self.fetch(
            "SELECT (SELECT count(*) FROM import_cells) = (SELECT count(*) FROM import_codes) AND NOT EXISTS ("
            "SELECT 1 FROM import_cells c JOIN import_codes m ON m.grp = c.grp AND m.topic = c.topic WHERE "
            + " OR ".join(f"({b})" for b in bad) + ")")[0][0])

    def bad_lines(self) -> list[tuple]:  # type: ignore[type-arg]
        return self.fetch(self.checks_sql() + f" ORDER BY c.line, p.ord LIMIT {MAX_ERRORS + 1}")

    def count_bad_lines(self) -> int:
        return int(self.fetch(f"SELECT count(*) FROM ({self.checks_sql()}) counted")[0][0])

    def map_codes(self, cells: str) -> None:
        """Create import_codes: the file's distinct (group, topic) cells as written (the query cells), with ids.

        Each line then maps its codes with one hash join on the cells as written, instead of trimming and matching
        each code on millions of lines.
        """
        with connection.cursor() as cursor:  # copy_raw has dropped any import_codes of an earlier attempt
            cursor.execute(
                "CREATE TEMPORARY TABLE import_codes ON COMMIT DROP AS "
                "SELECT d.grp, d.topic, g.code AS group_code, coalesce(tu.code, t.code) AS topic_code, g.id AS group_id, "
                f"coalesce(tu.id, t.id) AS topic_id, g.questionnaire_id FROM ({cells}) d "
                "JOIN unnest(%(groups)s::text[], %(group_ids)s::bigint[], %(questionnaire_by_group)s::bigint[]) "
                "AS g(code, id, questionnaire_id) ON g.code = btrim(d.grp) "
                # A topic code matches in capitals first, else as written (as the pandas path reads it).
                "LEFT JOIN unnest(%(topics)s::text[], %(topic_ids)s::bigint[]) AS tu(code, id) "
                "ON tu.code = upper(btrim(d.topic)) "
                "LEFT JOIN unnest(%(topics)s::text[], %(topic_ids)s::bigint[]) AS t(code, id) "
                "ON t.code = btrim(d.topic) WHERE tu.id IS NOT NULL OR t.id IS NOT NULL",
                self.params,
            )
            cursor.execute("ANALYZE import_codes")

    def view_clean_lines(self) -> str:
        """Create the view import_lines over a clean typed file's lines, in the staging columns; return its name.

        A view, not a copy: writing 2.4 million staged rows cost more than reading the COPYed lines twice.
        """
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY VIEW import_lines AS SELECT c.id + 1 AS line, c.respondent, m.group_code AS grp, "
                "m.topic_code AS topic, m.group_id, m.topic_id, m.questionnaire_id, "
                + ", ".join(f"c.{v}" for v in responses_csv.VALUE_COLUMNS)
                + ", lower(btrim(c.horizon)) AS horizon, btrim(c.comment) AS comment "
                "FROM import_raw c JOIN import_codes m ON m.grp = c.grp AND m.topic = c.topic"
            )
        return "import_lines"

    def stage(self) -> int:
        """Create import_staging from the text lines with a usable respondent, group and topic; return their count.

        A bad value (only staged when the file is refused anyway) is never cast.
        """
        number = ("CASE WHEN c.v_{0} = '' OR NOT {1} THEN NULL WHEN c.v_{0} = ANY(%(literals)s) THEN "
                  "c.v_{0}::smallint ELSE c.v_{0}::numeric::smallint END AS {0}")
        values = ", ".join(number.format(v, value_ok_sql("c.v_" + v)) for v in responses_csv.VALUE_COLUMNS)
        with connection.cursor() as cursor:
            return cursor.execute(
                "CREATE TEMPORARY TABLE import_staging ON COMMIT DROP AS SELECT c.line, c.v_respondent AS respondent, "
                "m.group_code AS grp, m.topic_code AS topic, m.group_id, m.topic_id, m.questionnaire_id, "
                f"{values}, lower(c.v_horizon) AS horizon, c.v_comment AS comment FROM ({self.cells()}) c "
                "JOIN import_codes m ON m.grp = c.k_grp AND m.topic = c.k_topic "
                "WHERE c.v_respondent <> '' AND length(c.v_respondent) <= %(limit)s",
                self.params,
            ).rowcount


def sql_error(
    line: int, code: str, value: str, scale: int, skipped: dict[str, tuple[bool, list[str]]],
) -> responses_csv.LineError:
    """Word a problem found in SQL exactly as responses_csv.validate words it."""
    if code.startswith("bad_value:"):
        column = code.split(":", 1)[1]
        return responses_csv.LineError(line, "bad_value", {"name": column, "scale": scale, "value": value})
    if code == "comment_too_long":
        return responses_csv.LineError(line, code, {"limit": responses_csv.MAX_COMMENT_LENGTH, "value": value})
    if code == "not_asked":
        return responses_csv.LineError(line, code, {"items": ", ".join(skipped[value][1]), "value": value})
    if code == "topic_not_asked":  # the code as read (in capitals, as the topic matched), as pandas names it
        return responses_csv.LineError(line, code, {"value": value.upper()})
    if code == "respondent_too_long":
        return responses_csv.LineError(line, code, {"limit": responses_csv.MAX_RESPONDENT_LENGTH, "value": value})
    return responses_csv.LineError(line, code, {"value": value})


class Staging:
    """The checked rows of one import: a temporary table (dropped at the end of the transaction) or, for a clean
    COPYed file, a view over its lines."""

    def __init__(self, source: str | None = None) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.source = source or "import_staging"
        # A table gets statistics before the joins below; a view's come from the tables under it.
        self.analyze = self.postgres and self.source == "import_staging"
        if source:  # the rows are already staged (the COPY path)
            return
        with connection.cursor() as cursor:
            drop_temporary_tables(cursor)
            cursor.execute(
                "CREATE TEMPORARY TABLE import_staging (line bigint, respondent varchar(100), grp varchar(40), "
                "topic varchar(16), group_id bigint, topic_id bigint, questionnaire_id bigint, severity smallint, "
                "likelihood smallint, magnitude smallint, financial_likelihood smallint, horizon varchar(6), "
                "comment text)" + (" ON COMMIT DROP" if self.postgres else "")
            )

    def write(self, typed: pd.DataFrame) -> None:
        frame = typed.rename(columns={"group": "grp"})[STAGING_COLUMNS]
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                frame.to_csv(buffer, header=False, index=False, na_rep="", lineterminator="\n")
                with cursor.copy(f"COPY import_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buffer.getvalue())
            else:
                values = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
                cursor.executemany(
                    f"INSERT INTO import_staging ({', '.join(STAGING_COLUMNS)}) "
                    f"VALUES ({', '.join(['%s'] * len(STAGING_COLUMNS))})", values,
                )

    def fetch(self, sql: str, params: list[object] | None = None) -> list[tuple]:  # type: ignore[type-arg]
        return fetch(sql, params or [])

    def run(self, sql: str, params: list[object] | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.rowcount

    def group_conflicts(self) -> list[responses_csv.LineError]:
        rows = self.fetch(
            f"SELECT s.line, s.respondent, s.grp, f.grp, f.line FROM {self.source} s "
            f"JOIN (SELECT respondent, MIN(line) AS first_line FROM {self.source} GROUP BY respondent) m "
            f"ON m.respondent = s.respondent JOIN {self.source} f ON f.line = m.first_line "
            "WHERE s.grp <> f.grp ORDER BY s.line"
        )
        return [responses_csv.LineError(line, "two_groups", {"respondent": r, "group": g, "other": og, "first": fl})
                for line, r, g, og, fl in rows]

    def duplicates(self) -> list[responses_csv.LineError]:
        rows = self.fetch(
            f"SELECT s.line, s.respondent, s.topic, d.first_line FROM {self.source} s "
            f"JOIN (SELECT respondent, topic, MIN(line) AS first_line FROM {self.source} GROUP BY respondent, topic "
            "HAVING COUNT(*) > 1) d ON d.respondent = s.respondent AND d.topic = s.topic "
            "WHERE s.line > d.first_line ORDER BY s.line"
        )
        return [responses_csv.LineError(line, "duplicate", {"respondent": r, "topic": t, "first": fl})
                for line, r, t, fl in rows]

    def whole_file_errors(self) -> list[responses_csv.LineError]:
        """The checks that need the whole file, run on a file already refused for its lines."""
        if self.analyze:
            self.run("ANALYZE import_staging")
        return self.group_conflicts() + self.duplicates()

    def apply(self, assessment: Assessment) -> ImportSummary:
        """Write responses and ratings from the staged rows (or refuse with the whole-file errors)."""
        response_table, rating_table = Response._meta.db_table, Rating._meta.db_table
        if self.analyze:
            self.run("ANALYZE import_staging")  # a fresh temporary table has no statistics: the joins below need them
        self.run(
            "CREATE TEMPORARY TABLE import_respondents" + (" ON COMMIT DROP" if self.postgres else "") + " AS "
            "SELECT respondent, MIN(group_id) AS group_id, MAX(group_id) AS other_group_id, "
            "MIN(questionnaire_id) AS questionnaire_id, COUNT(*) AS ratings, MIN(line) AS first_line "
            f"FROM {self.source} GROUP BY respondent"
        )
        if self.postgres:
            self.run("ANALYZE import_respondents")
        respondents, conflicts, bad_keys = self.fetch(
            "SELECT COUNT(*), SUM(CASE WHEN group_id <> other_group_id THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN respondent = '' OR length(respondent) > %s OR respondent <> trim(respondent) THEN 1 ELSE 0 "
            "END) FROM import_respondents", [responses_csv.MAX_RESPONDENT_LENGTH]
        )[0]
        if bad_keys:  # only a view's ids come unchecked: the text path trims them and names the bad ones
            raise _TryText
        if not respondents:
            raise ImportRefused([str(FILE_MESSAGES["no_rows"])])
        if conflicts:
            errors = self.group_conflicts() + self.duplicates()
            raise refuse(errors, len(errors))
        replaced = self.fetch(
            f"SELECT COUNT(*) FROM {response_table} r JOIN import_respondents i ON i.respondent = r.respondent_key "
            "WHERE r.assessment_id = %s", [assessment.pk]
        )[0][0]
        if replaced:
            self.run(
                f"DELETE FROM {rating_table} WHERE response_id IN (SELECT r.id FROM {response_table} r "
                "JOIN import_respondents i ON i.respondent = r.respondent_key WHERE r.assessment_id = %s)",
                [assessment.pk],
            )
        now = timezone.now()
        self.run(
            f"INSERT INTO {response_table} (questionnaire_id, assessment_id, group_id, respondent_key, status, source, "
            "language, started_at, updated_at, submitted_at, quality_flags) "
            "SELECT questionnaire_id, %s, group_id, respondent, %s, %s, %s, %s, %s, %s, '[]' FROM import_respondents "
            # New responses are numbered in the file's order, so the ratings below arrive in key order.
            "ORDER BY first_line ON CONFLICT (assessment_id, respondent_key) DO UPDATE SET "
            "questionnaire_id = excluded.questionnaire_id, group_id = excluded.group_id, status = excluded.status, "
            "source = excluded.source, updated_at = excluded.updated_at, submitted_at = excluded.submitted_at",
            [assessment.pk, Response.Status.SUBMITTED, Response.Source.IMPORT, "en", now, now, now],
        )
        if self.postgres and respondents >= ANALYZE_RESPONSES_AFTER:
            # The statistics still say this assessment has no responses (in a lived-in database the other cycles'
            # rows fill them): the ratings' join below would then be planned for one response and probe the
            # response key once per line (52 of 58 s for 2.4 M ratings, issue 16). A sample of the table is cheap.
            self.run(f"ANALYZE {response_table}")
        try:
            with transaction.atomic():
                ratings = self.run(
                    f"INSERT INTO {rating_table} (response_id, topic_id, severity, likelihood, magnitude, "
                    "financial_likelihood, horizon, comment, dont_know) "
                    "SELECT r.id, s.topic_id, s.severity, s.likelihood, s.magnitude, s.financial_likelihood, "
                    f"COALESCE(s.horizon, ''), COALESCE(s.comment, ''), '[]' FROM {self.source} s "
                    f"JOIN {response_table} r ON r.assessment_id = %s AND r.respondent_key = s.respondent",
                    [assessment.pk],
                )
        except IntegrityError:
            # The only unique rule a checked file can break: the same respondent and topic twice.
            errors = self.duplicates()
            if not errors:
                raise
            raise refuse(errors, len(errors)) from None
        if self.postgres and ratings >= ANALYZE_AFTER:
            # A bulk load leaves the planner's statistics saying the tables are tiny until autovacuum catches up:
            # the scoring query then picks a nested loop over a million responses (22 s instead of 3 s).
            self.run(f"ANALYZE {response_table}, {rating_table}")
        return ImportSummary(respondents=int(respondents), ratings=int(ratings), replaced=int(replaced))
