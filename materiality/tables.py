"""Read an uploaded CSV or XLSX file as numbered rows of text (pure: no Django).

Every importer (library, contacts, responses) validates against these rows, so line numbers in error
messages match what the user sees in a spreadsheet: the header is line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class TableError(ValueError):
    """The file cannot be read as a table at all (wrong type, bad encoding, no header)."""


@dataclass(frozen=True)
class Row:
    line: int  # as a spreadsheet numbers it: the header is line 1
    cells: dict[str, str]  # column -> stripped text
    has_extra_cells: bool = False  # more values than the header names


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it here (the page translates it)."""
    return message


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


def _from_lines(lines: Iterator[list[object]]) -> Table:
    try:
        raw_header = next(lines)
    except StopIteration:
        raise TableError("The file is empty: a header row is required.") from None
    header = [_cell(h).lower() for h in raw_header]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise TableError("The first line must be a header row naming the columns.")
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue  # blank lines are not data
        has_extra = any(cells[len(header):])
        cells += [""] * (len(header) - len(cells))
        rows.append(Row(number, dict(zip(header, cells, strict=False)), has_extra))
    return Table(header=header, rows=rows)


def read_csv(data: bytes) -> Table:
    """Parse UTF-8 CSV bytes (a byte-order mark is allowed, as Excel writes one)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"The file is not UTF-8 text (byte {exc.start}). Save it as 'CSV UTF-8'.") from None
    # strict: a quotation mark left open is an error, not a cell that swallows the rest of the file.
    return _from_lines(_records(csv.reader(io.StringIO(text, newline=""), strict=True)))


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """Yield the CSV's records; a broken one is a TableError naming its line (records, as a spreadsheet counts)."""
    line = 0
    try:
        for values in reader:
            line += 1
            yield values
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":
            raise TableError(f"The CSV cannot be parsed: line {line + 1}: a quotation mark (\") opens a cell that "
                             "is never closed, so the rest of the file would be read as that one cell.") from None
        raise TableError(f"The CSV cannot be parsed: line {line + 1}: {exc}.") from None


def read_xlsx(data: bytes) -> Table:
    """Parse the first worksheet of an XLSX workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a non-workbook
        raise TableError("The file is not a readable XLSX workbook.") from None
    try:  # read-only openpyxl parses the sheet only now: a sheet that is not well-formed XML fails here
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    except Exception:
        raise TableError("The file is not a readable XLSX workbook.") from None
    return _from_lines(iter(rows))


def read_table(data: bytes, filename: str) -> Table:
    """Choose the reader by the file's extension."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(data)
    raise TableError("Upload a .csv or .xlsx file.")


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
