"""A group's personal links as CSV or XLSX bytes (pure: the rows come from surveys.links)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from materiality.exports import write_csv
from materiality.tables import write_xlsx

COLUMNS = ["name", "email", "language", "link", "status"]
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class Row(Protocol):
    def cells(self) -> list[object]: ...


def export(rows: Sequence[Row], file_format: str) -> bytes:
    """Return the rows under the COLUMNS header; text that a spreadsheet would run as a formula is neutralised."""
    cells = [row.cells() for row in rows]
    if file_format == "csv":
        return write_csv(COLUMNS, cells)
    if file_format == "xlsx":
        return write_xlsx(COLUMNS, cells, title="Links")
    raise ValueError(f"unknown format {file_format!r}")
