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
# One row per IRO (method esrs-1); low/high empty for n < 2, material yes/no.
IRO_COLUMNS = ["iro", "topic", "kind", "sign", "status", "score", "n", "low", "high", "material", "rank"]
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def number(value: object) -> float | None:
    """A float at full precision, or None for an empty or NaN value."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)  # type: ignore[arg-type]


def result_rows(results: pd.DataFrame) -> list[list[object]]:
    """Return one row per topic in rank order: floats untouched (full precision), empty scores as None."""
    rows = []
    for code, r in results.sort_values("rank").iterrows():
        rows.append([str(code), r["pillar"], r["name_en"], number(r["impact"]), number(r["financial"]),
                     number(r["combined"]), int(r["n_impact"]), int(r["n_financial"]), r["classification"],
                     int(r["rank"])])
    return rows


def write_csv(columns: list[str], rows: list[list[object]]) -> bytes:
    """UTF-8 CSV without a byte-order mark; floats in their shortest exact form; formula-like text neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else safe_cell(v)) for v in row])
    return buffer.getvalue().encode("utf-8")


def write_json(columns: list[str], rows: list[list[object]]) -> bytes:
    """A JSON list of objects with the same keys as the CSV columns (empty values as null)."""
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def to_csv(results: pd.DataFrame) -> bytes:
    return write_csv(COLUMNS, result_rows(results))


def to_json(results: pd.DataFrame) -> bytes:
    return write_json(COLUMNS, result_rows(results))


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


def iro_rows(results: pd.DataFrame) -> list[list[object]]:
    """Return one row per IRO in rank order (index: IRO code), as DESIGN.md section 4's IRO results CSV."""
    rows = []
    for code, r in results.sort_values("rank").iterrows():
        rows.append([str(code), r["topic"], r["kind"], r["sign"], r["status"], number(r["score"]), int(r["n"]),
                     number(r["low"]), number(r["high"]), "yes" if r["material"] else "no", int(r["rank"])])
    return rows


def export_iros(results: pd.DataFrame, fmt: str) -> bytes:
    """Return the IRO results in the given format (csv, json or xlsx), the same columns in each."""
    rows = iro_rows(results)
    writers = {"csv": write_csv, "json": write_json,
               "xlsx": lambda columns, rows: write_xlsx(columns, rows, title="IRO results")}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: use csv, json or xlsx")
    return writers[fmt](IRO_COLUMNS, rows)  # type: ignore[operator]
