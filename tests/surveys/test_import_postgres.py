"""On PostgreSQL a CSV is parsed and checked by the database (COPY + SQL): same rows, same messages as pandas."""

from __future__ import annotations

import os

import pytest

from materiality.services import ImportRefused
from surveys import clean_import, imports
from surveys.models import Rating
from tests.scoring_helpers import make_questionnaires, synthetic_csv

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="needs PostgreSQL (set DATABASE_URL)")

HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"
BAD = HEADER + (
    "r-1,customers,e01,4,3,,,,\n"
    "r-1,customers,E02, 3.0 ,1e0,,,, hi \n"
    ",nobody,X99,0,3.5,abc,9,someday,\n"
    ",,,,,,,,\n"
    f"{'x' * 101},customers,E03,+2,.5e1,,,Short,\n"
    "r-3,customers,E04,5,1e9999,-1,03,medium,\n"
    "r-2,management,S07,5,4,5,3,LONG,\"Recall, costs\"\n"
)


@pytest.fixture
def ready(assessment):
    make_questionnaires(assessment)
    return assessment


def errors(assessment, data: bytes, *, fast: bool, monkeypatch) -> list[str]:
    monkeypatch.setattr(imports, "fast_path_applies", lambda stream, name: fast)
    with pytest.raises(ImportRefused) as exc:
        imports.import_responses(assessment, data, "answers.csv")
    return exc.value.errors


def test_sql_checks_name_the_same_lines_and_reasons_as_pandas(ready, monkeypatch):
    slow = errors(ready, BAD.encode(), fast=False, monkeypatch=monkeypatch)
    fast = errors(ready, BAD.encode(), fast=True, monkeypatch=monkeypatch)
    assert fast == slow
    assert [e.split(":")[0] for e in fast][:3] == ["Line 4", "Line 4", "Line 4"]
    assert not Rating.objects.exists()


def test_files_copy_cannot_read_fall_back_to_the_pandas_messages(ready, monkeypatch):
    for data in (HEADER.encode() + b"r-1,customers,E01,\xff,3,,,,\n",
                 (HEADER + "r-1,customers,E01,4,3,,,,\n\nr-2,customers,E01,4,3,,,,,,\n").encode()):
        assert errors(ready, data, fast=True, monkeypatch=monkeypatch) == \
            errors(ready, data, fast=False, monkeypatch=monkeypatch)


def test_a_short_line_copy_refuses_is_still_imported_by_the_fallback(ready, monkeypatch):
    monkeypatch.setattr(imports, "fast_path_applies", lambda stream, name: True)
    summary = imports.import_responses(ready, HEADER.encode() + b"r-1,customers,E01,4,3\n\nr-2,customers,E02,,\n",
                                       "answers.csv")
    assert (summary.respondents, summary.ratings) == (2, 2)
    assert sorted(Rating.objects.values_list("topic__code", "severity", "likelihood")) == [("E01", 4, 3),
                                                                                           ("E02", None, None)]


def test_good_files_store_the_same_ratings_either_way(ready, monkeypatch):
    data = synthetic_csv(ready, per_group=4, seed=3) + b"r-2,management,s07,5,4,5, 3.0 ,LONG, Recall \n"
    stored = []
    for fast in (True, False, True):  # the second and third replace the answers of the first
        monkeypatch.setattr(imports, "fast_path_applies", lambda stream, name, fast=fast: fast)
        summary = imports.import_responses(ready, data, "answers.csv")
        assert summary.ratings == 36 * 24 + 1
        stored.append(sorted(Rating.objects.values_list(
            "response__respondent_key", "response__group__code", "response__questionnaire_id", "topic__code",
            "severity", "likelihood", "magnitude", "financial_likelihood", "horizon", "comment")))
    assert stored[0] == stored[1] == stored[2]
    assert ("r-2", "management") in {row[:2] for row in stored[0]}
    assert [row for row in stored[0] if row[0] == "r-2"][0][4:] == (5, 4, 5, 3, "long", "Recall")


WHOLE_FILE = HEADER + (
    "r-fin,customers,E01,3,3,5,5,long,x\n"
    "r-1,customers,E01,4,3,,,,\n"
    "r-1,customers,e01,2,2,,,,\n"
    "r-2,customers,E02,9,3,,,,\n"
    "r-3,customers,E03,4,3,,,,\n"
    "r-3,management,E03,4,3,,,,\n"
    f"r-4,customers,E04,4,3,,,,{'y' * 2001}\n"
    "r-5,management,E05,4,3,abc,,,\n"
)


def test_not_asked_items_long_comments_and_repeats_read_the_same_either_way(ready, monkeypatch):
    slow = errors(ready, WHOLE_FILE.encode(), fast=False, monkeypatch=monkeypatch)
    fast = errors(ready, WHOLE_FILE.encode(), fast=True, monkeypatch=monkeypatch)
    assert fast == slow
    assert fast == [
        "Line 2: group 'customers' is not asked the financial items (magnitude, financial_likelihood, horizon); "
        "leave them empty",
        "Line 4: respondent 'r-1' rates topic E01 again (first on line 3)",
        "Line 5: severity '9' is not a whole number from 1 to 5 (leave it empty for don't know)",
        "Line 7: respondent 'r-3' is in group 'management' here but in 'customers' on line 6",
        "Line 7: respondent 'r-3' rates topic E03 again (first on line 6)",
        "Line 8: the comment is longer than 2000 characters",
        "Line 9: magnitude 'abc' is not a whole number from 1 to 5 (leave it empty for don't know)",
    ]
    assert not Rating.objects.exists()


def test_repeats_alone_are_named_the_same_either_way(ready, monkeypatch):
    data = (HEADER + "r-1,customers,E01,4,3,,,,\nr-1,customers,E01,2,2,,,,\n").encode()
    assert errors(ready, data, fast=True, monkeypatch=monkeypatch) == \
        errors(ready, data, fast=False, monkeypatch=monkeypatch) == \
        ["Line 3: respondent 'r-1' rates topic E01 again (first on line 2)"]


TYPED_BUT_WRONG = HEADER + (
    "r-1,customers,E01,4,3,,,,\n"
    "r-1,nobody,E02,4,3,,,,\n"
    "r-2,customers,X99,4,3,,,,\n"
    "r-3,customers,E03,0,+9,,,,\n"
    "r-4,customers,E04,4,3,,,someday,\n"
    "r-5,customers,E05,4,3,5,,,\n"
    "r-6,management,E06,4,3,5,3,long,\n"
    "r-6,management,E06,4,3,5,3,long,\n"
)


def copy_attempts(monkeypatch) -> list[bool]:
    """Record the typed flag of each COPY the import makes."""
    attempts: list[bool] = []
    original = imports.copy_raw

    def spy(stream, header, *, typed):
        attempts.append(typed)
        return original(stream, header, typed=typed)

    monkeypatch.setattr(imports, "copy_raw", spy)
    return attempts


def test_a_clean_file_is_copied_once_into_typed_columns(ready, monkeypatch):
    monkeypatch.setattr(clean_import, "CLEAN_MAX_BYTES", 0)  # over the clean path's size: the COPY path reads it
    attempts = copy_attempts(monkeypatch)
    summary = imports.import_responses(ready, synthetic_csv(ready, per_group=2, seed=5), "answers.csv")
    assert attempts == [True]
    assert summary.ratings == Rating.objects.count() == 18 * 24


def stored_answers() -> list[tuple]:
    return sorted(Rating.objects.values_list(
        "response__respondent_key", "response__group__code", "response__questionnaire_id", "response__status",
        "response__source", "topic__code", "severity", "likelihood", "magnitude", "financial_likelihood", "horizon",
        "comment", "dont_know"))


def test_a_plainly_clean_file_skips_the_staging_copy_and_stores_what_the_other_paths_store(ready, monkeypatch):
    first = synthetic_csv(ready, per_group=3, seed=5)
    second = synthetic_csv(ready, per_group=4, seed=6)  # replaces the 27 respondents of the first and adds 9
    stored = {}
    for path in ("clean", "copy", "pandas"):
        monkeypatch.setattr(clean_import, "CLEAN_MAX_BYTES", 128 * 1024 * 1024 if path == "clean" else 0)
        monkeypatch.setattr(imports, "fast_path_applies", lambda stream, name, fast=path != "pandas": fast)
        attempts = copy_attempts(monkeypatch)
        Rating.objects.all().delete()
        ready.responses.all().delete()
        imports.import_responses(ready, first, "answers.csv")
        summary = imports.import_responses(ready, second, "answers.csv")
        assert (summary.respondents, summary.ratings, summary.replaced) == (36, 36 * 24, 27)
        assert attempts == {"clean": [], "copy": [True, True], "pandas": []}[path]
        stored[path] = stored_answers()
    assert stored["clean"] == stored["copy"] == stored["pandas"]
    assert len(stored["clean"]) == 36 * 24


@pytest.mark.parametrize("line", [
    "r-1,customers,E01,NA,3,,,,\n",  # pyarrow would read NA as missing: it is a bad value
    "r-1,customers,e01,4,3,,,,\n", "r-1,customers,E01,4,3,,,, hi\n", "r-1,customers,E01,4,3,,,,\"a, b\"\n",
    "r-1,customers,E01,3.0,3,,,,\n", "r-1,customers,E01,4,3,,,Short,\n", "r-1,customers,E01,4,3,5,,,\n",
    "r-1,customers,E01,4,3,,,,\nr-1,customers,E01,4,3,,,,\n", "r-1,customers,E01,4,3,,,,\nr-1,employees,E02,4,3,,,,\n",
])
def test_anything_not_plainly_clean_goes_to_the_copy_path(ready, monkeypatch, line):
    attempts = copy_attempts(monkeypatch)
    try:
        imports.import_responses(ready, (HEADER + line).encode(), "answers.csv")
    except ImportRefused:
        pass
    assert attempts and attempts[0] is True


def test_a_typed_file_with_bad_lines_is_checked_again_cell_by_cell(ready, monkeypatch):
    slow = errors(ready, TYPED_BUT_WRONG.encode(), fast=False, monkeypatch=monkeypatch)
    attempts = copy_attempts(monkeypatch)
    fast = errors(ready, TYPED_BUT_WRONG.encode(), fast=True, monkeypatch=monkeypatch)
    assert attempts == [True, False]
    assert fast == slow
    assert "Line 5: likelihood '+9' is not a whole number from 1 to 5 (leave it empty for don't know)" in fast
    assert any(e.startswith("Line 9: respondent 'r-6' rates topic E06 again") for e in fast)
    assert not Rating.objects.exists()


def stored_ratings() -> list[tuple]:
    return sorted(Rating.objects.values_list("response__respondent_key", "topic__code", "severity", "likelihood",
                                             "magnitude", "financial_likelihood", "horizon", "comment"))


def test_capitals_and_spaces_in_codes_horizon_and_comment_stay_on_the_typed_path(ready, monkeypatch):
    data = (HEADER + "r-1,customers, e01 ,4,3,,,,\nr-2,management,s07,5,4,5,3, LONG , Recall \n").encode()
    attempts = copy_attempts(monkeypatch)
    imports.import_responses(ready, data, "answers.csv")
    assert attempts == [True]
    assert stored_ratings() == [("r-1", "E01", 4, 3, None, None, "", ""), ("r-2", "S07", 5, 4, 5, 3, "long", "Recall")]


def test_lines_only_the_exact_checks_can_settle_go_through_them_and_import(ready, monkeypatch):
    for line, stored in (
        (" r-1 ,customers,E01,4,3,,,,\n", ("r-1", "E01", 4, 3, None, None, "", "")),
        (f"r-1,customers,E01,4,3,,,,{' ' * 5}{'y' * 2000}\n", ("r-1", "E01", 4, 3, None, None, "", "y" * 2000)),
        ("r-1,customers,E01,4,3,,,,\n,,,,,,,,\n", ("r-1", "E01", 4, 3, None, None, "", "")),
    ):
        attempts = copy_attempts(monkeypatch)
        imports.import_responses(ready, (HEADER + line).encode(), "answers.csv")
        assert attempts == [True, False]
        assert stored_ratings() == [stored]


def test_respondent_keys_that_array_literals_treat_specially_are_stored_as_written(ready, monkeypatch):
    """The clean path sends the keys as one array literal: backslashes, braces, NULL and spaces must survive."""
    keys = ["back\\slash", "{brace}", "NULL", "two words", "semi;colon", "中文"]
    text = HEADER + "".join(f"{key},customers,E01,4,3,,,,\n" for key in keys)
    taken = []
    real = clean_import.import_clean
    monkeypatch.setattr(clean_import, "import_clean", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    summary = imports.import_responses(ready, text.encode(), "answers.csv")
    assert taken and taken[0] is not None  # the clean path wrote it
    assert summary.respondents == len(keys)
    assert sorted(Rating.objects.values_list("response__respondent_key", flat=True)) == sorted(keys)
    assert imports.import_responses(ready, text.encode(), "answers.csv").replaced == len(keys)
