"""Result exports: the DESIGN.md columns, full precision, and no formula injection."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from materiality import exports


def results() -> pd.DataFrame:
    return pd.DataFrame({
        "pillar": ["S", "E"], "name_en": ["=HYPERLINK(\"http://evil\")", "Water"], "name_zh": ["", ""],
        "impact": [1 / 3 + 3, -0.0 + 2.5], "financial": [4.123456789012345, np.nan], "combined": [3.7284, 2.5],
        "n_impact": [10, 4], "n_financial": [2, 0], "classification": ["important", "general"], "rank": [1, 2],
    }, index=pd.Index(["S01", "E06"], name="topic"))


def test_csv_has_the_design_columns_and_full_precision():
    rows = list(csv.reader(io.StringIO(exports.to_csv(results()).decode("utf-8"))))
    assert rows[0] == ["topic", "pillar", "name", "impact", "financial", "combined", "n_impact", "n_financial",
                       "classification", "rank"]
    assert rows[1][0] == "S01" and float(rows[1][3]) == 1 / 3 + 3 and rows[1][4] == "4.123456789012345"
    assert rows[2][4] == "" and rows[2][7] == "0" and rows[2][9] == "2"


def test_csv_and_xlsx_neutralise_formulas_but_not_numbers():
    rows = list(csv.reader(io.StringIO(exports.to_csv(results()).decode("utf-8"))))
    assert rows[1][2].startswith("'=")
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(results()))).active
    assert sheet["C2"].value.startswith("'=")
    # openpyxl writes 16 significant digits (Excel itself shows 15): equal to the last digit Excel can hold.
    assert sheet["D2"].value == pytest.approx(1 / 3 + 3, rel=1e-15) and isinstance(sheet["G2"].value, int)


def test_json_uses_the_same_keys_with_null_for_empty():
    data = json.loads(exports.to_json(results()))
    assert list(data[0]) == exports.COLUMNS
    assert data[1]["financial"] is None and data[0]["impact"] == 1 / 3 + 3
