"""Read and check the offline response file (DESIGN.md section 4) in chunks: pure, no Django.

The file is read in chunks of rows so that a million respondents never sit in memory at once; each chunk is
checked on its own (codes, values, horizons) and comes back typed. The checks that need the whole file (the
same respondent and topic twice, a respondent in two groups) are the importer's, which has the rows in a table.
Line numbers count records as a spreadsheet does: the header is line 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

import pandas as pd

from materiality import tables
from materiality.tables import MB, Limits

COLUMNS = ["respondent", "group", "topic", "severity", "likelihood", "magnitude", "financial_likelihood", "horizon",
           "comment"]
REQUIRED = ["respondent", "group", "topic"]
VALUE_COLUMNS = ["severity", "likelihood", "magnitude", "financial_likelihood"]
HORIZONS = ("short", "medium", "long")
CHUNK_ROWS = 100_000
MAX_RESPONDENT_LENGTH = 100
PAIR = "\x1f"  # joins a group code and a topic code into one key (the import's unasked pairs)
MAX_COMMENT_LENGTH = 2000  # the web form's cap
# Web uploads run inside the request (25 MB, about 700,000 lines); the command takes the largest files (a CSV of
# 100,000 respondents is 2.4 million lines). Both refuse a file over them before reading its lines.
UPLOAD_LIMITS = Limits(rows=700_000, columns=50, cells=7_000_000, unpacked_bytes=300 * MB)
COMMAND_LIMITS = Limits(rows=5_000_000, columns=50, cells=50_000_000, unpacked_bytes=2048 * MB)
LIMIT_CODES = {tables.TOO_MANY_ROWS: "too_many_rows", tables.TOO_MANY_COLUMNS: "too_many_columns",
               tables.TOO_MANY_CELLS: "too_many_cells", tables.TOO_LARGE: "too_large"}
FINANCIAL_ITEMS = ("magnitude", "financial_likelihood", "horizon")
ITEMS = (*VALUE_COLUMNS[:2], *FINANCIAL_ITEMS, "comment")  # the answer columns a questionnaire may or may not ask


def not_asked(asked: Collection[str]) -> tuple[bool, list[str]]:
    """Split the items a questionnaire does not ask: whether it asks no financial item, and the other ones it skips.

    A group asked no financial item gets one message naming all three; any other skipped item is named on its own.
    """
    no_financial = not any(item in asked for item in FINANCIAL_ITEMS)
    return no_financial, [i for i in ITEMS if i not in asked and not (no_financial and i in FINANCIAL_ITEMS)]


@dataclass(frozen=True)
class LineError:
    """A problem with one line: a message code and its parameters (the importer words and translates it)."""

    line: int
    code: str
    params: dict[str, object] = field(default_factory=dict)


class FileError(ValueError):
    """The file as a whole cannot be read (encoding, header, broken CSV); nothing line by line applies."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def check_header(columns: list[str]) -> list[str]:
    """Return the normalised header; refuse unknown or missing columns."""
    header = [str(c).strip().lower() for c in columns]
    while header and header[-1] == "":
        header.pop()
    if len(header) == 1:
        for delimiter in (";", "\t", "|"):
            if delimiter in header[0]:
                raise FileError("wrong_delimiter", delimiter="tab" if delimiter == "\t" else delimiter)
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise FileError("unknown_columns", columns=", ".join(unknown), expected=", ".join(COLUMNS))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FileError("missing_columns", columns=", ".join(missing))
    if len(set(header)) != len(header):
        raise FileError("repeated_columns")
    return header


def _finish(chunk: pd.DataFrame, first_line: int) -> pd.DataFrame:
    chunk = chunk.copy()
    chunk.insert(0, "line", range(first_line, first_line + len(chunk)))
    for column in COLUMNS:
        if column not in chunk.columns:
            chunk[column] = ""
    return chunk[["line", *COLUMNS]]


def check_limits(stream: IO[bytes], filename: str, limits: Limits) -> None:
    """Refuse a CSV over the limits before anything reads its lines (PostgreSQL's COPY included); rewind the stream.

    A workbook is checked by its reader (tables.sheet_lines) before its first line. Counting line breaks is quick;
    only when they exceed the limit in a file with quotation marks are the records counted, since a quoted cell may
    hold a line break.
    """
    if not filename.lower().endswith((".csv", ".txt")) or not stream.seekable():
        return
    try:
        if stream.seek(0, io.SEEK_END) > limits.unpacked_bytes:
            raise FileError("too_large", **limits.shown())
        stream.seek(0)
        lines, last, quoted = 0, b"\n", False
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
            quoted = quoted or b'"' in block
            last = block[-1:]
        lines += last != b"\n"
        if lines > limits.rows + 1 and not quoted:  # the header is a line too
            raise FileError("too_many_rows", **limits.shown())
        if lines > limits.rows + 1:
            stream.seek(0)
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
            try:
                if sum(1 for _ in csv.reader(text)) > limits.rows + 1:
                    raise FileError("too_many_rows", **limits.shown())
            except csv.Error:
                pass  # a broken record: the reader names its line
            finally:
                text.detach()
    finally:
        stream.seek(0)


def csv_chunks(
    stream: IO[bytes], chunk_rows: int = CHUNK_ROWS, limits: Limits = UPLOAD_LIMITS,
) -> Iterator[pd.DataFrame]:
    """Yield the CSV's rows as DataFrames of text (empty cell = ''), with their line numbers."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first_line = text.readline()
        if not first_line.strip():
            raise FileError("empty")
        header = check_header(next(csv.reader([first_line])))
        reader = pd.read_csv(text, header=None, names=header, index_col=False, dtype=str, keep_default_na=False,
                             na_filter=False, skip_blank_lines=False, chunksize=chunk_rows, engine="c")
        first = 2
        with warnings.catch_warnings():
            # pandas only warns when the first data line has more values than the header names: make it an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            for chunk in reader:
                if first + len(chunk) - 2 > limits.rows:
                    raise FileError("too_many_rows", **limits.shown())
                yield _finish(chunk, first)
                first += len(chunk)
    except pd.errors.ParserWarning:
        raise FileError("unreadable", detail="line 2 has more values than the header names") from None
    except UnicodeDecodeError:
        line, position = first_bad_utf8(stream)
        raise FileError("not_utf8", line=line, position=position) from None
    except pd.errors.EmptyDataError:
        return
    except pd.errors.ParserError as exc:
        raise FileError("unreadable", detail=parser_error_detail(str(exc))) from None
    finally:
        text.detach()


def parser_error_detail(message: str) -> str:
    """Word a pandas parser error with the user's line numbers: the header is line 1, and pandas starts after it."""
    unclosed = re.search(r"EOF inside string starting at row (\d+)", message)
    if unclosed:  # its rows are records counted from 0: row 0 is line 2
        return (f"line {int(unclosed.group(1)) + 2}: a quotation mark (\") opens a cell that is never closed, so the "
                "rest of the file would be read as that one cell")
    return re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + 1}", message.replace("C error: ", ""))


def first_bad_utf8(stream: IO[bytes]) -> tuple[int | str, int | str]:
    """Return the line (a spreadsheet's count: the header is 1) and file offset of the first byte not UTF-8."""
    if not stream.seekable():
        return "?", "?"
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while block := stream.read(1 << 20):
        held = len(decoder.getstate()[0])  # the end of a character split across blocks, still to decode
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            bad = offset - held + exc.start  # exc.start counts from the held bytes
            stream.seek(0)
            return 1 + stream.read(bad).count(b"\n"), bad
        offset += len(block)
    return "?", "?"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sheet_rows(stream: IO[bytes], limits: Limits) -> Iterator[Sequence[object]]:
    """Yield the first worksheet's lines within the limits (tables.sheet_lines); a refusal becomes a FileError."""
    try:
        yield from tables.bounded(tables.sheet_lines(stream, limits), limits)
    except tables.TableError as exc:
        raise FileError(LIMIT_CODES.get(exc.message, "not_xlsx"), **exc.params) from None


def xlsx_chunks(
    stream: IO[bytes], chunk_rows: int = CHUNK_ROWS, limits: Limits = UPLOAD_LIMITS,
) -> Iterator[pd.DataFrame]:
    """Yield the first worksheet's rows as DataFrames of text, with their line numbers."""
    rows = sheet_rows(stream, limits)
    try:
        header = check_header([_cell(v) for v in next(rows)])
    except StopIteration:
        raise FileError("empty") from None
    buffer: list[list[str]] = []
    first = 2
    for values in rows:
        cells = [_cell(v) for v in values][: len(header)]
        buffer.append(cells + [""] * (len(header) - len(cells)))
        if len(buffer) == chunk_rows:
            yield _finish(pd.DataFrame(buffer, columns=header, dtype=object), first)
            first += len(buffer)
            buffer = []
    if buffer:
        yield _finish(pd.DataFrame(buffer, columns=header, dtype=object), first)


def read_chunks(
    stream: IO[bytes], filename: str, chunk_rows: int = CHUNK_ROWS, limits: Limits = UPLOAD_LIMITS,
) -> Iterator[pd.DataFrame]:
    """Choose the reader by the file's extension; either refuses a file over the limits before its lines."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return xlsx_chunks(stream, chunk_rows, limits)
    if name.endswith((".csv", ".txt")):
        return csv_chunks(stream, chunk_rows, limits)
    raise FileError("wrong_type")


def validate(
    chunk: pd.DataFrame, *, topic_codes: Collection[str], group_codes: Collection[str], scale: int,
    asked: Mapping[str, Collection[str]] | None = None,
) -> tuple[pd.DataFrame, list[LineError]]:
    """Check one chunk line by line; return its typed rows (blank lines dropped) and the errors found.

    `asked` maps a group code to the items its questionnaire asks: the items it does not ask must be empty.
    """
    # Numbers tolerate surrounding spaces in to_numeric; only the text columns need stripping.
    text = chunk[COLUMNS].astype(str)
    text = text[(text != "").any(axis=1)]  # a line with only empty cells is not data
    for column in ("respondent", "group", "topic", "horizon", "comment"):
        text[column] = text[column].str.strip()
    lines = chunk.loc[text.index, "line"]
    errors: list[LineError] = []

    def flag(mask: pd.Series, code: str, **params: object) -> None:
        for line, value in zip(lines[mask], text.loc[mask, params.pop("column", "respondent")], strict=True):
            errors.append(LineError(int(line), code, {**params, "value": value}))

    if any("\x00" in "".join(text[column].tolist()) for column in COLUMNS):  # a quick scan first: a NUL is rare
        for column in COLUMNS:
            flag(text[column].str.contains("\x00", regex=False), "nul_character", column=column, cell=column)
    respondent = text["respondent"]
    flag(respondent == "", "respondent_missing")
    flag(respondent.str.len() > MAX_RESPONDENT_LENGTH, "respondent_too_long", limit=MAX_RESPONDENT_LENGTH)
    group = text["group"]
    flag(~group.isin(list(group_codes)), "unknown_group", column="group")
    topic = text["topic"].str.upper().where(text["topic"].str.upper().isin(list(topic_codes)), text["topic"])
    flag(~topic.isin(list(topic_codes)), "unknown_topic", column="topic")
    typed = pd.DataFrame({"line": lines.astype("int64"), "respondent": respondent, "group": group, "topic": topic})
    for column in VALUE_COLUMNS:
        raw = text[column].str.strip()
        number = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        good = number.notna() & (number % 1 == 0) & number.between(1, scale)
        flag((raw != "") & ~good, "bad_value", column=column, name=column, scale=scale)
        typed[column] = number.where(good).astype("Int64")
    horizon = text["horizon"].str.lower()
    flag(~horizon.isin(["", *HORIZONS]), "bad_horizon", column="horizon")
    typed["horizon"] = horizon.where(horizon.isin(HORIZONS), "")
    flag(text["comment"].str.len() > MAX_COMMENT_LENGTH, "comment_too_long", limit=MAX_COMMENT_LENGTH)
    typed["comment"] = text["comment"]
    for code, items in (asked or {}).items():
        no_financial, others = not_asked(items)
        in_group = group == code
        if no_financial:
            flag(in_group & (text[list(FINANCIAL_ITEMS)].apply(lambda c: c.str.strip()) != "").any(axis=1),
                 "not_asked_financial", column="group")
        if others:
            flag(in_group & (text[others].apply(lambda c: c.str.strip()) != "").any(axis=1), "not_asked",
                 column="group", items=", ".join(others))
    errors.sort(key=lambda e: e.line)
    return typed, errors
