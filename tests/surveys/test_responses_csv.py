"""The pure response-file reader and checker."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from surveys import responses_csv
from surveys.responses_csv import FileError

HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"


def chunks(text: str, name: str = "a.csv", size: int = 100_000) -> list:
    return list(responses_csv.read_chunks(io.BytesIO(text.encode("utf-8")), name, size))


def check(text: str, scale: int = 5):
    frames = chunks(text)
    return responses_csv.validate(frames[0], topic_codes={"E01", "S07"}, group_codes={"customers", "management"},
                                  scale=scale)


def test_good_rows_come_back_typed_with_line_numbers():
    typed, errors = check(HEADER + "r-1,customers,E01,4,3,,,,\n\nr-2,management,S07,5,,5,3,long,\"Recall, costs\"\n")
    assert errors == []
    assert typed["line"].tolist() == [2, 4]  # the blank line 3 is skipped but counted
    assert typed.iloc[0]["severity"] == 4 and typed.iloc[0]["magnitude"] is pd_na()
    assert typed.iloc[1]["horizon"] == "long" and typed.iloc[1]["comment"] == "Recall, costs"


def pd_na():
    import pandas as pd

    return pd.NA


@pytest.mark.parametrize("row,code", [
    (",customers,E01,4,3,,,,", "respondent_missing"),
    ("r-1,aliens,E01,4,3,,,,", "unknown_group"),
    ("r-1,customers,X99,4,3,,,,", "unknown_topic"),
    ("r-1,customers,E01,0,3,,,,", "bad_value"),
    ("r-1,customers,E01,6,3,,,,", "bad_value"),
    ("r-1,customers,E01,3.5,3,,,,", "bad_value"),
    ("r-1,customers,E01,four,3,,,,", "bad_value"),
    ("r-1,customers,E01,4,3,,,soon,", "bad_horizon"),
])
def test_each_bad_line_is_named_with_its_reason(row, code):
    _, errors = check(HEADER + "r-0,customers,E01,1,1,,,,\n" + row + "\n")
    assert [(e.line, e.code) for e in errors] == [(3, code)]


def test_a_line_with_several_problems_gets_all_of_them():
    _, errors = check(HEADER + "r-1,aliens,X1,9,,,,,\n")
    assert sorted(e.code for e in errors) == ["bad_value", "unknown_group", "unknown_topic"]


def test_the_scale_bounds_the_values():
    _, errors = check(HEADER + "r-1,customers,E01,7,7,,,,\n", scale=7)
    assert errors == []


@pytest.mark.parametrize("text,code", [
    ("", "empty"),
    ("respondent,group\n", "missing_columns"),
    ("respondent,group,topic,score\n", "unknown_columns"),
    (HEADER + "r-1,customers,E01,4,3,,,,,,extra\n", "unreadable"),
])
def test_whole_file_problems(text, code):
    with pytest.raises(FileError) as exc:
        chunks(text)
    assert exc.value.code == code


def test_not_utf8_is_refused():
    with pytest.raises(FileError) as exc:
        list(responses_csv.read_chunks(io.BytesIO(HEADER.encode() + "r,customers,E01,4,3,,,,é\n".encode("latin-1")),
                                       "a.csv"))
    assert exc.value.code == "not_utf8"
    assert exc.value.params == {"line": 2, "position": len(HEADER) + len("r,customers,E01,4,3,,,,")}


def test_the_first_bad_byte_is_found_across_blocks_and_lines():
    good = HEADER + "".join(f"r-{i},customers,E01,4,3,,,,中文\n" for i in range(60_000))  # about 2.6 MB
    data = good.encode() + b"r-x,customers,E01,4,3,,,,\xff\n"
    assert responses_csv.first_bad_utf8(io.BytesIO(data)) == (60_002, len(good.encode()) + 25)
    split = b"a" * ((1 << 20) - 1) + "中".encode() + b"\n\xff"  # a character across the first block's end
    assert responses_csv.first_bad_utf8(io.BytesIO(split)) == (2, (1 << 20) - 1 + 3 + 1)


def test_a_header_with_another_delimiter_is_named():
    with pytest.raises(FileError) as exc:
        chunks(HEADER.replace(",", ";") + "r;customers;E01;4;3;;;;\n")
    assert (exc.value.code, exc.value.params) == ("wrong_delimiter", {"delimiter": ";"})


def test_chunks_keep_counting_lines():
    text = HEADER + "".join(f"r-{i},customers,E01,3,3,,,,\n" for i in range(5))
    frames = chunks(text, size=2)
    assert [f["line"].tolist() for f in frames] == [[2, 3], [4, 5], [6]]


def test_xlsx_has_the_same_columns():
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["r-1", "customers", "E01", 4, 3, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    frame = list(responses_csv.read_chunks(buffer, "answers.xlsx"))[0]
    typed, errors = responses_csv.validate(frame, topic_codes={"E01"}, group_codes={"customers"}, scale=5)
    assert errors == [] and typed.iloc[0]["severity"] == 4 and typed.iloc[0]["line"] == 2
