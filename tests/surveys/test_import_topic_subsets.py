"""An import refuses answers to a topic the respondent's group is not asked (issue 14.6), naming the line."""

from __future__ import annotations

import pytest
from django.db import connection

from materiality.services import ImportRefused
from stakeholders.models import StakeholderGroup
from surveys import imports
from surveys.models import Rating, Response
from tests.scoring_helpers import make_questionnaires

HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"
# The COPY path (PostgreSQL) typed first and then cell by cell, and the pandas path.
PATHS = [False, True] if connection.vendor == "postgresql" else [False]


@pytest.fixture
def suppliers_asked_e01(assessment):
    external, _raters = make_questionnaires(assessment)
    suppliers = StakeholderGroup.objects.get(code="suppliers")
    external.topic_subsets = {str(suppliers.pk): [assessment.library.topics.get(code="E01").pk]}
    external.save()
    return assessment


def refused(assessment, text: str, fast: bool, monkeypatch) -> list[str]:
    monkeypatch.setattr(imports, "fast_path_applies", lambda stream, name: fast)
    with pytest.raises(ImportRefused) as exc:
        imports.import_responses(assessment, text.encode(), "answers.csv")
    return exc.value.errors


@pytest.mark.parametrize("fast", PATHS)
def test_an_answer_to_a_topic_not_asked_is_refused_naming_the_line_and_nothing_is_written(
        suppliers_asked_e01, monkeypatch, fast):
    text = HEADER + "s-1,suppliers,E01,4,3,,,,\ns-1,suppliers,E02,4,3,,,,\nc-1,customers,E02,2,2,,,,\n"
    assert refused(suppliers_asked_e01, text, fast, monkeypatch) == [
        "Line 3: topic 'E02' is not asked of this respondent's group (its questionnaire asks the group only some "
        "topics)"]
    assert not Response.objects.exists() and not Rating.objects.exists()


@pytest.mark.parametrize("fast", PATHS)
def test_a_bad_line_elsewhere_is_named_with_it_the_same_either_way(suppliers_asked_e01, monkeypatch, fast):
    text = HEADER + "s-1,suppliers,e02,4,9,,,,\n"  # a lower-case code is read as E02
    assert refused(suppliers_asked_e01, text, fast, monkeypatch) == [
        "Line 2: likelihood '9' is not a whole number from 1 to 5 (leave it empty for don't know)",
        "Line 2: topic 'E02' is not asked of this respondent's group (its questionnaire asks the group only some "
        "topics)"]


@pytest.mark.parametrize("fast", PATHS)
def test_answers_to_the_asked_topics_are_imported(suppliers_asked_e01, monkeypatch, fast):
    monkeypatch.setattr(imports, "fast_path_applies", lambda stream, name: fast)
    summary = imports.import_responses(
        suppliers_asked_e01, (HEADER + "s-1,suppliers,E01,4,3,,,,\nc-1,customers,E02,2,2,,,,\n").encode(), "a.csv")
    assert (summary.respondents, summary.ratings) == (2, 2)
