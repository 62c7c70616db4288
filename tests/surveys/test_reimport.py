"""A re-import on PostgreSQL rewrites only the ratings that changed, and ends as if every rating had been rewritten."""

from __future__ import annotations

import os
import random

import pytest
from django.db import connection

from surveys import imports
from surveys.models import Rating, Response
from tests.scoring_helpers import make_questionnaires

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="needs PostgreSQL (set DATABASE_URL)")

HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"
FIELDS = ("response__respondent_key", "topic__code", "severity", "likelihood", "magnitude", "financial_likelihood",
          "horizon", "comment", "dont_know")


@pytest.fixture
def ready(assessment):
    make_questionnaires(assessment)
    return assessment


def run_import(assessment, lines: list[str]):
    return imports.import_responses(assessment, (HEADER + "".join(lines)).encode(), "answers.csv")


def stored() -> list[tuple]:
    return sorted(Rating.objects.values_list(*FIELDS))


def versions() -> dict[tuple[str, str], str]:
    """Each rating's row version (xmin): a rewritten row gets a new one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT r.respondent_key, t.code, g.xmin::text FROM surveys_rating g "
                       "JOIN surveys_response r ON r.id = g.response_id JOIN materiality_topic t ON t.id = g.topic_id")
        return {(key, code): xmin for key, code, xmin in cursor.fetchall()}


LINES = ["r-1,customers,E01,4,3,,,,\n", "r-1,customers,E02,2,2,,,,a note\n", "r-1,customers,S07,,,,,,\n",
         "r-2,management,S07,5,4,5,3,long,Recall costs\n", "r-2,management,E01,3,3,3,3,,\n"]


def test_the_same_file_again_writes_no_rating(ready):
    run_import(ready, LINES)
    before, rows = versions(), stored()
    summary = run_import(ready, LINES)
    assert (summary.respondents, summary.ratings, summary.replaced) == (2, 5, 2)
    assert stored() == rows and versions() == before


def test_only_the_changed_ratings_are_rewritten(ready):
    others = [f"r-9,customers,{topic},2,2,,,,\n" for topic in ("E01", "E02", "E03", "S01", "S07")]
    run_import(ready, LINES + others)
    before = versions()
    changed = ["r-1,customers,E01,4,3,,,,\n",          # as it was
               "r-1,customers,E02,2,1,,,,a note\n",    # likelihood 2 -> 1
               "r-1,customers,S01,3,3,,,,\n",          # a topic r-1 had not answered; S07 left out: deleted
               "r-2,management,S07,5,4,5,3,long,Recall costs\n",
               "r-2,management,E01,3,3,3,3,,a comment now\n",
               "r-3,customers,E01,1,1,,,,\n",          # a new respondent
               *others]
    summary = run_import(ready, changed)
    assert (summary.respondents, summary.replaced) == (4, 3)
    after = versions()
    assert set(after) == {("r-1", "E01"), ("r-1", "E02"), ("r-1", "S01"), ("r-2", "S07"), ("r-2", "E01"),
                          ("r-3", "E01"), *(("r-9", topic) for topic in ("E01", "E02", "E03", "S01", "S07"))}
    rewritten = {k for k in after if after[k] != before.get(k)}
    assert rewritten == {("r-1", "E02"), ("r-1", "S01"), ("r-2", "E01"), ("r-3", "E01")}
    fresh = stored()
    Response.objects.all().delete()
    run_import(ready, changed)
    assert stored() == fresh  # the same ratings as importing the file into an empty assessment


def test_a_file_that_changes_most_ratings_rewrites_them_all(ready):
    run_import(ready, LINES)
    before = versions()
    changed = [line.replace(",4,3,", ",1,1,").replace(",2,2,", ",1,1,").replace(",5,4,", ",1,1,") for line in LINES]
    run_import(ready, changed)
    assert not set(before.values()) & set(versions().values())
    fresh = stored()
    Response.objects.all().delete()
    run_import(ready, changed)
    assert stored() == fresh


def test_a_stored_comment_with_a_line_break_or_a_dont_know_list_is_compared_exactly(ready):
    run_import(ready, LINES)
    Rating.objects.filter(response__respondent_key="r-1", topic__code="E01").update(
        comment="typed on the web, with a comma\nand a line")
    Rating.objects.filter(response__respondent_key="r-2", topic__code="E01").update(dont_know=["severity"])
    before = versions()
    run_import(ready, LINES)
    after = versions()
    assert {k for k in after if after[k] != before[k]} == {("r-1", "E01"), ("r-2", "E01")}
    assert Rating.objects.get(response__respondent_key="r-1", topic__code="E01").comment == ""
    assert Rating.objects.get(response__respondent_key="r-2", topic__code="E01").dont_know == []


@pytest.mark.parametrize("seed", range(4))
def test_any_reimport_ends_as_the_file_says(ready, seed):
    """Random first and second files (overlapping respondents, topics, values): the result is the second file's
    ratings for its respondents and the first file's for the others, however many changed."""
    rng = random.Random(seed)
    topics = ["E01", "E02", "E03", "S01", "S07", "G01"]

    def values() -> str:
        cell = lambda: str(rng.choice([1, 2, 3, 4, 5])) if rng.random() < 0.9 else ""  # noqa: E731
        return f"{cell()},{cell()},{cell()},{cell()},{rng.choice(['', 'short', 'long'])},{rng.choice(['', 'ok'])}"

    def a_file(respondents: list[str]) -> list[str]:
        return [f"{key},management,{topic},{values()}\n" for key in respondents
                for topic in rng.sample(topics, rng.randint(1, len(topics)))]

    first = a_file([f"r-{i}" for i in range(12)])
    if seed % 2:  # the first file again with a fifth of its lines given new values and one line left out
        second = [line if rng.random() < 0.8 else ",".join(line.split(",")[:3]) + f",{values()}\n"
                  for line in first[1:]]
    else:  # other respondents, some of them new
        second = a_file([f"r-{i}" for i in rng.sample(range(20), 10)])
    run_import(ready, first)
    run_import(ready, second)
    result = stored()
    again = {line.split(",")[0] for line in second}
    Response.objects.all().delete()
    untouched = [line for line in first if line.split(",")[0] not in again]
    if untouched:
        run_import(ready, untouched)
    run_import(ready, second)
    assert result == stored()


def test_a_reimport_works_with_debug_on(ready, settings):
    """DEBUG wraps cursors in Django's debug wrapper, whose COPY takes no parameters."""
    run_import(ready, LINES)
    settings.DEBUG = True
    connection.force_debug_cursor = True
    try:
        run_import(ready, LINES[:-1])
    finally:
        connection.force_debug_cursor = False
    assert len(stored()) == len(LINES) - 1
