"""The write path of a plainly clean response CSV on PostgreSQL: parsed once by pyarrow, ratings COPYed straight in.

Most files are exports of a form or a survey tool: exact codes, whole numbers, no quotation marks. Such a file needs
no staging table: pyarrow reads it in one pass (C++, typed), the checks of surveys.responses_csv run on whole
columns, the responses are written with one statement that returns their ids, and the ratings go from the parsed
columns to surveys_rating with one COPY, in key order. This halves the work of the COPY path (COPY into a
temporary table, aggregate scans over it, a join to the new responses and an INSERT ... SELECT).

The test here is stricter than the import's rules: anything it does not accept as plainly clean (a quoted cell, a
code written in other capitals or with spaces, a value such as `3.0`, any bad line, a file over CLEAN_MAX_BYTES)
returns None before anything is written, and the COPY path then imports the file or names every bad line as before.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection
from django.utils import timezone

from materiality.tables import MB
from surveys import reimport, responses_csv
from surveys.models import Rating, Response

# The whole file and its columns sit in memory at once (about 6x the file: 655 MB peak at 100,000 respondents,
# 107 MB): larger files stream through COPY, which keeps a million respondents under 500 MB.
CLEAN_MAX_BYTES = 128 * MB
COPY_BATCH_ROWS = 200_000  # PostgreSQL writes one batch while Python serialises the next
RATING_COLUMNS = ["response_id", "topic_id", *responses_csv.VALUE_COLUMNS, "horizon", "comment", "dont_know"]
TEXT_COLUMNS = ["respondent", "grp", "topic", "horizon", "comment"]


def parse(stream: IO[bytes], header: list[str]) -> pa.Table | None:
    """Read the lines after the header into typed columns; None if the file is not plainly clean CSV."""
    data = stream.read(CLEAN_MAX_BYTES + 1)
    if len(data) > CLEAN_MAX_BYTES or b'"' in data or b"\x00" in data:
        return None  # quoted cells (a comma or line break inside) and NUL are the COPY path's to read or name
    types = {c: (pa.int16() if c in responses_csv.VALUE_COLUMNS else pa.string()) for c in header}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=header, block_size=16 * MB),  # threads: 0.8 -> 0.25 s
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            # Only an empty value cell is "don't know": pyarrow would also read NA, NULL, nan... as missing.
            convert_options=pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a short or long line, bad UTF-8, a value that is not a plain integer
    if not table.num_rows:
        return None
    for column in responses_csv.VALUE_COLUMNS:
        if column not in table.column_names:
            table = table.append_column(column, pa.nulls(table.num_rows, pa.int16()))
    for column in TEXT_COLUMNS:
        if column not in table.column_names:
            table = table.append_column(column, pa.repeat("", table.num_rows).cast(pa.string()))
    return table


def all_true(mask: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.all(mask).as_py() is not False)


def trimmed(column: pa.ChunkedArray) -> bool:
    """Whether no cell has white space around it (the import would trim it: the COPY path's to do)."""
    return all_true(pc.equal(pc.utf8_trim_whitespace(column), column))


def given(table: pa.Table, item: str) -> pa.ChunkedArray:
    column = table[item]
    return pc.is_valid(column) if item in responses_csv.VALUE_COLUMNS else pc.not_equal(column, "")


def lines_are_clean(table: pa.Table, topic_ids: Mapping[str, int], group_ids: Mapping[str, int],
                    questionnaires: Mapping[str, int], asked: Mapping[str, set[str]], scale: int,
                    unasked: Sequence[str] = ()) -> bool:
    """The per-line checks of responses_csv.validate, on whole columns, with exact codes and words only; `unasked`
    holds "group<PAIR>topic" for each topic a group is not asked (a line answering one is not clean)."""
    respondent, comment = table["respondent"], table["comment"]
    lengths = pc.utf8_length(respondent)
    if not (pc.min(lengths).as_py() >= 1 and pc.max(lengths).as_py() <= responses_csv.MAX_RESPONDENT_LENGTH
            and trimmed(respondent) and trimmed(comment)
            and (pc.max(pc.utf8_length(comment)).as_py() or 0) <= responses_csv.MAX_COMMENT_LENGTH):
        return False
    addressed = [code for code in questionnaires if code in group_ids]
    if not (all_true(pc.is_in(table["grp"], value_set=pa.array(addressed, pa.string())))
            and all_true(pc.is_in(table["topic"], value_set=pa.array(list(topic_ids))))
            and all_true(pc.is_in(table["horizon"], value_set=pa.array(["", *responses_csv.HORIZONS])))):
        return False
    for column in responses_csv.VALUE_COLUMNS:
        low, high = pc.min(table[column]).as_py(), pc.max(table[column]).as_py()
        if low is not None and (low < 1 or high > scale):
            return False
    for item in responses_csv.ITEMS:  # a group's questionnaire that does not ask an item: its cells stay empty
        skipping = [code for code, items in asked.items() if item not in items]
        if skipping and pc.any(pc.and_(given(table, item), pc.is_in(table["grp"], value_set=pa.array(skipping)))).as_py():
            return False
    if unasked:
        pairs = pc.binary_join_element_wise(table["grp"], table["topic"], responses_csv.PAIR)
        if pc.any(pc.is_in(pairs, value_set=pa.array(list(unasked), pa.string()))).as_py():
            return False
    return True


def first_positions(codes: np.ndarray) -> np.ndarray:
    """The line of each respondent's first appearance (dictionary codes number respondents in that order)."""
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate(([True], codes[1:] > seen[:-1])))


def import_clean(
    assessment_id: int, stream: IO[bytes], header: list[str], topic_ids: Mapping[str, int],
    group_ids: Mapping[str, int], questionnaires: Mapping[str, int], asked: Mapping[str, set[str]], scale: int,
    unasked: Sequence[str] = (),
) -> tuple[int, int, int] | None:
    """Write a plainly clean file's responses and ratings; return (respondents, ratings, replaced).

    None (nothing written) when the file is not plainly clean: the caller then rewinds and takes the COPY path.
    """
    table = parse(stream, header)
    if table is None or not lines_are_clean(table, topic_ids, group_ids, questionnaires, asked, scale, unasked):
        return None
    encoded = pc.dictionary_encode(table["respondent"].combine_chunks())
    keys, codes = encoded.dictionary.to_pylist(), encoded.indices.to_numpy().astype(np.int64)
    groups = pc.dictionary_encode(table["grp"].combine_chunks())
    group_codes, group_index = groups.dictionary.to_pylist(), groups.indices.to_numpy()
    first = first_positions(codes)
    if not np.array_equal(group_index, group_index[first][codes]):
        return None  # a respondent in two groups
    topics = pc.dictionary_encode(table["topic"].combine_chunks())
    topic_of = np.array([topic_ids[code] for code in topics.dictionary.to_pylist()], dtype=np.int64)
    topic_id = topic_of[topics.indices.to_numpy()]
    order = np.lexsort((topic_id, codes))
    key = codes[order] * (int(topic_of.max()) + 1) + topic_id[order]
    if (np.diff(key) == 0).any():
        return None  # the same respondent and topic twice
    first_group = [group_codes[g] for g in group_index[first]]
    response_ids, old = write_responses(assessment_id, keys, [group_ids[g] for g in first_group],
                                        [questionnaires[g] for g in first_group])
    rating_response = response_ids[codes]
    if (np.diff(response_ids) <= 0).any():  # a replaced respondent keeps its id: sort again by the new ids
        order = np.lexsort((topic_id, rating_response))
    ratings = pa.table({
        "response_id": pa.array(rating_response), "topic_id": pa.array(topic_id),
        **{column: table[column] for column in responses_csv.VALUE_COLUMNS},
        "horizon": table["horizon"], "comment": table["comment"],
        "dont_know": pa.repeat("[]", table.num_rows).cast(pa.string()),
    })
    del table
    # A file written respondent by respondent, topics in the library's order, is in key order already: no copy.
    ordered = ratings if (np.diff(order) > 0).all() else ratings.take(pa.array(order))
    copy_ratings(reimport.to_write(ordered, old) if old else ordered)
    return len(keys), ratings.num_rows, len(old)


def write_responses(assessment_id: int, keys: list[str], group_ids: list[int],
                    questionnaire_ids: list[int]) -> tuple[np.ndarray, list[int]]:
    """Upsert the responses; return their ids in the keys' order and the ids of those imported before.

    New responses are numbered in the file's order, so the ratings of a first import arrive in key order. The
    ratings of those imported before are left to surveys.reimport, which rewrites only the ones that changed.
    """
    table = Response._meta.db_table
    with connection.cursor() as cursor:
        # A first import (no responses yet) skips probing the respondent key once per respondent.
        key_array = text_array(keys)
        cursor.execute(f"SELECT id FROM {table} WHERE assessment_id = %s AND respondent_key = ANY(%s::text[]) "
                       f"AND EXISTS (SELECT 1 FROM {table} WHERE assessment_id = %s)",
                       [assessment_id, key_array, assessment_id])
        old = sorted(row[0] for row in cursor.fetchall())
        now = timezone.now()
        cursor.execute(
            f"INSERT INTO {table} (questionnaire_id, assessment_id, group_id, respondent_key, status, source, "
            "language, started_at, updated_at, submitted_at, quality_flags) "
            "SELECT u.questionnaire_id, %s, u.group_id, u.respondent, %s, %s, %s, %s, %s, %s, '[]' "
            "FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) "
            "WITH ORDINALITY AS u(respondent, group_id, questionnaire_id, ord) ORDER BY u.ord "
            "ON CONFLICT (assessment_id, respondent_key) DO UPDATE SET "
            "questionnaire_id = excluded.questionnaire_id, group_id = excluded.group_id, status = excluded.status, "
            "source = excluded.source, updated_at = excluded.updated_at, submitted_at = excluded.submitted_at "
            "RETURNING respondent_key, id",
            [assessment_id, Response.Status.SUBMITTED, Response.Source.IMPORT, "en", now, now, now,
             key_array, int_array(group_ids), int_array(questionnaire_ids)],
        )
        ids = dict(cursor.fetchall())
    return np.array([ids[key] for key in keys], dtype=np.int64), old


def text_array(values: list[str]) -> str:
    """A PostgreSQL array literal: psycopg binds a list of 100,000 values one by one (0.15 s a list here).

    Bound as `%s::text[]`, the literal is a constant of the statement, so the respondent-key look-up hashes it; cast
    through text first (`%s::text::text[]`) it is an expression, searched from the start for every row (ten
    minutes for a re-import of 100,000 respondents).
    """
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def int_array(values: list[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def copy_ratings(ratings: pa.Table) -> None:
    """COPY the rating rows in batches: an empty text cell reads as '' (FORCE_NOT_NULL), an empty value as NULL."""
    options = pacsv.WriteOptions(include_header=False)
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {Rating._meta.db_table} ({', '.join(RATING_COLUMNS)}) FROM STDIN "
            "(FORMAT csv, FORCE_NOT_NULL (horizon, comment))") as copy:
        for batch in ratings.to_batches(max_chunksize=COPY_BATCH_ROWS):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, write_options=options)
            copy.write(buffer.getbuffer())
