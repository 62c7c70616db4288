"""The results table as CSV, JSON or XLSX bytes (DESIGN.md section 4 columns, full precision): pure, no Django."""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd

from materiality.tables import safe_cell, write_xlsx

COLUMNS = ["topic", "pillar", "name", "impact", "financial", "combined", "n_impact", "n_financial", "classification",
           "rank"]
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def result_rows(results: pd.DataFrame) -> list[list[object]]:
    """Return one row per topic in rank order: floats untouched (full precision), empty scores as None."""
    rows = []
    for code, r in results.sort_values("rank").iterrows():
        def number(value: object) -> float | None:
            return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)  # type: ignore[arg-type]

        rows.append([str(code), r["pillar"], r["name_en"], number(r["impact"]), number(r["financial"]),
                     number(r["combined"]), int(r["n_impact"]), int(r["n_financial"]), r["classification"],
                     int(r["rank"])])
    return rows


def to_csv(results: pd.DataFrame) -> bytes:
    """UTF-8 CSV without a byte-order mark; floats in their shortest exact form; formula-like text neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in result_rows(results):
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else safe_cell(v)) for v in row])
    return buffer.getvalue().encode("utf-8")


def to_json(results: pd.DataFrame) -> bytes:
    """A JSON list of objects with the same keys as the CSV columns (empty scores as null)."""
    records = [dict(zip(COLUMNS, row, strict=True)) for row in result_rows(results)]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def to_xlsx(results: pd.DataFrame) -> bytes:
    """One worksheet with numbers as numbers; text cells guarded against formula injection.

    A results frame with an "esrs" column (the ESRS matters each topic covers, materiality.crosswalk) gets it as
    a last column: the spreadsheet is read by people; the CSV and JSON keep DESIGN.md's columns for scripts.
    """
    rows = result_rows(results)
    if "esrs" not in results.columns:
        return write_xlsx(COLUMNS, rows, title="Results")
    esrs = results["esrs"].to_dict()
    return write_xlsx([*COLUMNS, "esrs"], [[*row, esrs.get(row[0], "")] for row in rows], title="Results")


def export(results: pd.DataFrame, fmt: str) -> bytes:
    """Return the results in the given format (csv, json or xlsx)."""
    writers = {"csv": to_csv, "json": to_json, "xlsx": to_xlsx}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: use csv, json or xlsx")
    return writers[fmt](results)
