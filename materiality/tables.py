"""Read an uploaded CSV or XLSX file as numbered rows of text (pure: no Django).

Every importer (library, contacts, responses) validates against these rows, so line numbers in error
messages match what the user sees in a spreadsheet: the header is line 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO


class TableError(ValueError):
    """The file cannot be read as a table at all (wrong type, bad encoding, no header, over a limit).

    `message` is an English template marked for translation and `params` fill it, so a page can word it in the
    user's language (this module imports nothing from Django); str() gives the English text.
    """

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it here (the page translates it)."""
    return message


@dataclass(frozen=True)
class Limits:
    """What one import reads at most: checked before the rows are read, so a small file cannot unpack into a huge one.

    rows: lines after the header (a blank line counts: it is read too); columns: values in one line (trailing empty
    cells not counted); cells: values in the whole file; unpacked_bytes: a CSV's size, or what an XLSX workbook's
    parts add up to once decompressed.
    """

    rows: int
    columns: int
    cells: int
    unpacked_bytes: int

    def shown(self) -> dict[str, str]:
        """The limits as a message shows them (thousands separated, bytes in MB)."""
        return {"rows": f"{self.rows:,}", "columns": f"{self.columns:,}", "cells": f"{self.cells:,}",
                "megabytes": f"{self.unpacked_bytes // (1024 * 1024):,}"}


MB = 1024 * 1024
DEFAULT_LIMITS = Limits(rows=10_000, columns=50, cells=500_000, unpacked_bytes=50 * MB)
MAX_ERRORS = 500  # problems an importer lists; the rest are counted

TOO_MANY_ROWS = gettext_noop("The file has more than %(rows)s lines, the most one import reads. Split it into smaller "
                             "files.")
TOO_MANY_COLUMNS = gettext_noop("A line of the file has more than %(columns)s values, the most one import reads.")
TOO_MANY_CELLS = gettext_noop("The file has more than %(cells)s cells, the most one import reads. Split it into "
                              "smaller files.")
TOO_LARGE = gettext_noop("The file unpacks to more than %(megabytes)s MB, the most one import reads. Split it into "
                         "smaller files.")
NOT_XLSX = gettext_noop("The file is not a readable XLSX workbook.")


class Problems(list):  # type: ignore[type-arg]
    """The first MAX_ERRORS problems an importer finds; `more` counts the ones left off, so a bad file stays cheap."""

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        super().__init__()
        self.limit = limit
        self.more = 0

    def add(self, *problems: object) -> None:
        for problem in problems:
            if len(self) < self.limit:
                self.append(problem)
            else:
                self.more += 1

    @property
    def total(self) -> int:
        return len(self) + self.more


@dataclass(frozen=True)
class Row:
    line: int  # as a spreadsheet numbers it: the header is line 1
    cells: dict[str, str]  # column -> stripped text
    has_extra_cells: bool = False  # more values than the header names


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]


NUL_CELL = gettext_noop("the %(cell)s cell contains a null character, which cannot be stored; remove it")
SPLIT_CELL = gettext_noop("the %(cell)s cell runs over several lines: is a quotation mark (\") left open?")


def broken_cells(cells: dict[str, str], one_line: Iterable[str]) -> list[tuple[str, str]]:
    """Return (message template, column) for each cell no importer can store: a NUL (PostgreSQL cannot store it)
    or a line break in a one-line column.

    A quotation mark left open makes the CSV reader swallow the following lines into one cell (until the next
    quotation mark), so a line break where none belongs is the sign of it.
    """
    found = [(NUL_CELL, column) for column, value in cells.items() if "\x00" in value]
    found += [(SPLIT_CELL, column) for column in one_line
              if "\n" in cells.get(column, "") or "\r" in cells.get(column, "")]
    return found


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def bounded(lines: Iterable[Sequence[object]], limits: Limits) -> Iterator[Sequence[object]]:
    """Pass the lines through, refusing the file as soon as it has more lines, values in a line or cells than allowed."""
    cells = 0
    for count, values in enumerate(lines):
        if count > limits.rows:  # the header is line 0
            raise TableError(TOO_MANY_ROWS, **limits.shown())
        width = len(values)
        while width and values[width - 1] in (None, ""):
            width -= 1  # trailing empty cells are not values
        if width > limits.columns:
            raise TableError(TOO_MANY_COLUMNS, **limits.shown())
        cells += width
        if cells > limits.cells:
            raise TableError(TOO_MANY_CELLS, **limits.shown())
        yield values


def _from_lines(lines: Iterator[Sequence[object]]) -> Table:
    try:
        raw_header = next(lines)
    except StopIteration:
        raise TableError(gettext_noop("The file is empty: a header row is required.")) from None
    header = [_cell(h).lower() for h in raw_header]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise TableError(gettext_noop("The first line must be a header row naming the columns."))
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue  # blank lines are not data
        has_extra = any(cells[len(header):])
        cells += [""] * (len(header) - len(cells))
        rows.append(Row(number, dict(zip(header, cells, strict=False)), has_extra))
    return Table(header=header, rows=rows)


def read_csv(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Parse UTF-8 CSV bytes (a byte-order mark is allowed, as Excel writes one)."""
    if len(data) > limits.unpacked_bytes:
        raise TableError(TOO_LARGE, **limits.shown())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(gettext_noop("The file is not UTF-8 text (byte %(byte)s). Save it as 'CSV UTF-8'."),
                         byte=exc.start) from None
    # strict: a quotation mark left open is an error, not a cell that swallows the rest of the file.
    return _from_lines(bounded(_records(csv.reader(io.StringIO(text, newline=""), strict=True)), limits))


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """Yield the CSV's records; a broken one is a TableError naming its line (records, as a spreadsheet counts)."""
    line = 0
    try:
        for values in reader:
            line += 1
            yield values
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":
            raise TableError(gettext_noop(
                "The CSV cannot be parsed: line %(line)s: a quotation mark (\") opens a cell that is never closed, so "
                "the rest of the file would be read as that one cell."), line=line + 1) from None
        raise TableError(gettext_noop("The CSV cannot be parsed: line %(line)s: %(detail)s."), line=line + 1,
                         detail=str(exc)) from None


# A tag's start, with or without a namespace prefix (<row ...>, <x:row ...>), counted with bytes.count: a regular
# expression's match objects for a million tags cost more than the scan. A rare false hit (<rowBreaks>, ":c " in an
# inline string) only counts one tag too many.
_ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b":c ", b":c>", b":c/")
_STRING_TAGS = (b"<si>", b"<si ", b":si>", b":si ")
# A cell reference of two or three letters (column AA and beyond); a row's r="..." holds digits only.
_WIDE_REF = re.compile(rb'\sr="([A-Z]{2,3})[0-9]+"')


def _count(block: bytes, tags: tuple[bytes, ...]) -> int:
    return sum(block.count(tag) for tag in tags)


def column_number(letters: str) -> int:
    """Return the spreadsheet column number of its letters (A = 1, AA = 27)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _tags(part: IO[bytes]) -> Iterator[bytes]:
    """Yield a decompressed XML part in blocks that never cut a tag's start in two (each ends before a '<')."""
    tail = b""
    while block := part.read(1 << 20):
        block = tail + block
        cut = block.rfind(b"<")
        tail, block = (block[cut:], block[:cut]) if cut > 0 else (b"", block)
        yield block
    yield tail


def check_workbook(stream: IO[bytes], limits: Limits) -> None:
    """Refuse an XLSX workbook over the limits before openpyxl reads it.

    The archive's directory gives each part's unpacked size (zipfile never unpacks a part past it), so their sum
    bounds the work; the worksheets and the shared strings are then scanned as a stream, counting row and cell tags,
    which is far quicker than parsing them and holds one block at a time.
    """
    import zipfile

    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TableError(NOT_XLSX) from None
    with archive:
        parts = archive.infolist()
        if sum(part.file_size for part in parts) > limits.unpacked_bytes:
            raise TableError(TOO_LARGE, **limits.shown())
        for part in parts:
            name = part.filename.lower()
            try:
                if name.endswith("sharedstrings.xml"):
                    with archive.open(part) as source:
                        if sum(_count(block, _STRING_TAGS) for block in _tags(source)) > limits.cells:
                            raise TableError(TOO_MANY_CELLS, **limits.shown())
                elif "worksheets/" in name and name.endswith(".xml"):
                    with archive.open(part) as source:
                        _check_sheet(source, limits)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                raise TableError(NOT_XLSX) from None


def _check_sheet(source: IO[bytes], limits: Limits) -> None:
    rows = cells = 0
    for block in _tags(source):
        rows += _count(block, _ROW_TAGS)
        if rows > limits.rows + 1:  # the header is a row too
            raise TableError(TOO_MANY_ROWS, **limits.shown())
        cells += _count(block, _CELL_TAGS)
        if cells > limits.cells:
            raise TableError(TOO_MANY_CELLS, **limits.shown())
        wide = set(_WIDE_REF.findall(block)) if b'r="' in block else set()
        if wide and max(column_number(c.decode()) for c in wide) > limits.columns:
            raise TableError(TOO_MANY_COLUMNS, **limits.shown())


def sheet_lines(stream: IO[bytes], limits: Limits) -> Iterator[tuple[object, ...]]:
    """Stream the first worksheet's lines (openpyxl's read-only mode) after check_workbook passed.

    The sheet is read no further than the limits: openpyxl fills in the lines a sheet skips (r="1000000") and pads
    each line to the last column, so both are capped here (one column more than allowed, to notice a wider line).
    """
    from openpyxl import load_workbook

    check_workbook(stream, limits)
    stream.seek(0)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception:  # openpyxl raises many types for a non-workbook
        raise TableError(NOT_XLSX) from None
    sheet.reset_dimensions()  # a declared size (A1:XFD1048576) is no reason to pad every line to it
    try:  # read-only openpyxl parses the sheet only now: a sheet that is not well-formed XML fails here
        yield from sheet.iter_rows(values_only=True, max_row=limits.rows + 2, max_col=limits.columns + 1)
    except TableError:
        raise
    except Exception:
        raise TableError(NOT_XLSX) from None
    finally:
        book.close()


def read_xlsx(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Parse the first worksheet of an XLSX workbook, line by line, within the limits."""
    return _from_lines(bounded(sheet_lines(io.BytesIO(data), limits), limits))


def read_table(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Choose the reader by the file's extension; refuse a file over the limits (see Limits) before reading it all."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return read_xlsx(data, limits)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(data, limits)
    raise TableError(gettext_noop("Upload a .csv or .xlsx file."))


def missing_columns(table: Table, required: list[str]) -> list[str]:
    """Return the required columns the header lacks."""
    return [c for c in required if c not in table.header]


def write_csv(header: list[str], rows: list[list[object]]) -> bytes:
    """Write rows as UTF-8 CSV with a BOM so Excel opens Chinese text correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(header: list[str], rows: list[list[object]], title: str = "Sheet1") -> bytes:
    """Write one worksheet with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise text that a spreadsheet would run as a formula (CSV injection); numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
