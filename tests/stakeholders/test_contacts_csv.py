"""The pure contact parser: good files pass whole, every bad line is named. No database."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from materiality.tables import read_csv, read_table, read_xlsx
from stakeholders import contacts_csv
from stakeholders.contacts_csv import ContactRow

GROUPS = {"customers", "employees", "management"}


def parse_csv(text: str, encoding: str = "utf-8") -> tuple[list[ContactRow], list[str]]:
    rows, errors = contacts_csv.parse(read_csv(text.encode(encoding)), group_codes=GROUPS)
    return rows, [str(e) for e in errors]


def xlsx_bytes(*rows: list[object]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_csv_gives_every_row_normalised():
    rows, errors = parse_csv(
        "name,email,organisation,group,language\n"
        "Chan Tai Man,Tai.Man@Example.COM,CALB,customers,zh\n"
        "Alice Wong,alice@example.org,,Employees,\n"
        "李华,li.hua@example.cn,中创新航,management,Chinese\n"
    )
    assert errors == []
    assert rows == [
        ContactRow(2, "Chan Tai Man", "tai.man@example.com", "CALB", "customers", "zh-hans"),
        ContactRow(3, "Alice Wong", "alice@example.org", "", "employees", "en"),
        ContactRow(4, "李华", "li.hua@example.cn", "中创新航", "management", "zh-hans"),
    ]


@pytest.mark.parametrize("typed,expected", [
    ("en", "en"), ("EN", "en"), ("English", "en"), ("", "en"), ("zh", "zh-hans"), ("ZH-CN", "zh-hans"),
    ("zh_cn", "zh-hans"), ("zh-Hans", "zh-hans"), ("chinese", "zh-hans"), (" Chinese ", "zh-hans"),
])
def test_language_spellings_people_type_are_accepted(typed, expected):
    assert contacts_csv.normalise_language(typed) == expected


def test_a_byte_order_mark_and_blank_lines_are_ignored_and_line_numbers_stay_true():
    rows, errors = parse_csv("\ufeffname,email,group\n\nAda,ada@example.com,customers\n,,\nBob,bob@,customers\n")
    assert [r.line for r in rows] == [3]
    assert errors == ["line 5: e-mail 'bob@' is not valid"]


def test_every_bad_line_is_named():
    _rows, errors = parse_csv(
        "name,email,organisation,group,language\n"
        "Ada,ada@example.com,,customers,en\n"       # 2: fine
        "Bob,x@,,customers,en\n"                    # 3: bad e-mail
        ",nobody@example.com,,customers,en\n"       # 4: no name
        "Cy,cy@example.com,,investors,en\n"         # 5: unknown group
        "Di,ADA@example.com,,customers,en\n"        # 6: duplicate of line 2 (case ignored)
        "Ed,ed@example.com,,customers,fr\n"         # 7: unknown language
        "Flo,flo@example.com,,,\n"                  # 8: no group
    )
    assert errors == [
        "line 3: e-mail 'x@' is not valid",
        "line 4: the name is missing",
        "line 5: group 'investors' is unknown; use one of customers, employees, management",
        "line 6: e-mail ada@example.com already appears on line 2",
        "line 7: language 'fr' must be en or zh-hans",
        "line 8: the group is missing; use one of customers, employees, management",
    ]


def test_extra_cells_beyond_the_header_are_an_error_but_extra_columns_are_ignored():
    _rows, errors = parse_csv("name,email,group\nAda,ada@example.com,customers,surprise\n")
    assert errors == ["line 2: more values than the header has columns"]
    rows, errors = parse_csv("name,email,group,notes\nAda,ada@example.com,customers,met at fair\n")
    assert errors == [] and rows[0].name == "Ada"


def test_missing_columns_are_named_on_line_1():
    _rows, errors = parse_csv("name,organisation\nAda,CALB\n")
    assert errors == ["line 1: missing column(s) email, group; the columns are name, email, organisation, group, language"]


def test_a_header_without_rows_is_refused():
    assert parse_csv("name,email,group\n\n")[1] == ["line 1: the file has a header but no contact rows"]


def test_too_long_values_are_refused():
    long = "x" * 201
    _rows, errors = parse_csv(f"name,email,organisation,group\n{long},,{long},customers\n")
    assert errors == ["line 2: the name is longer than 200 characters",
                      "line 2: the organisation is longer than 200 characters"]


def test_an_empty_email_is_allowed_and_not_a_duplicate():
    rows, errors = parse_csv("name,email,group\nAda,,customers\nBob,,customers\n")
    assert errors == [] and [r.email for r in rows] == ["", ""]


def test_xlsx_built_in_the_test_parses_like_csv():
    data = xlsx_bytes(
        ["Name", "Email", "Organisation", "Group", "Language"],
        ["Ada", "ada@example.com", None, "customers", "English"],
        [None, None, None, None, None],
        ["Bob", "bob@example", "ACME", "management", None],
        ["Cy", "cy@example.com", 42, "employees", "zh-cn"],
    )
    rows, errors = contacts_csv.parse(read_xlsx(data), group_codes=GROUPS)
    assert [str(e) for e in errors] == ["line 4: e-mail 'bob@example' is not valid"]
    assert rows == [
        ContactRow(2, "Ada", "ada@example.com", "", "customers", "en"),
        ContactRow(5, "Cy", "cy@example.com", "42", "employees", "zh-hans"),
    ]
    assert read_table(data, "Contacts.XLSX").header == ["name", "email", "organisation", "group", "language"]


@given(st.emails())
def test_every_address_the_parser_accepts_is_valid_for_django(email):
    if contacts_csv.is_valid_email(email.lower()):
        validate_email(email.lower())  # raises if Django disagrees


@pytest.mark.parametrize("email", ["a@b", "a@@b.com", "a b@c.com", "a@b..com", ".a@b.com", "a@-b.com", "a@b.c"])
def test_malformed_addresses_are_refused(email):
    assert not contacts_csv.is_valid_email(email)
    with pytest.raises(ValidationError):
        validate_email(email)


def test_an_address_longer_than_the_field_is_refused():
    assert contacts_csv.is_valid_email("x" * 248 + "@b.com")
    assert not contacts_csv.is_valid_email("x" * 249 + "@b.com")
