"""Importing offline answers: all or nothing, every bad line named, idempotent by respondent id."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from materiality.services import ImportRefused
from surveys import imports
from surveys.models import Rating, Response
from tests.scoring_helpers import make_questionnaires, synthetic_csv

HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"


@pytest.fixture
def ready(assessment):
    external, raters = make_questionnaires(assessment)
    return assessment, external, raters


def run_import(assessment, text: str, name: str = "answers.csv"):
    return imports.import_responses(assessment, text.encode("utf-8"), name)


def test_import_creates_submitted_responses_on_the_groups_questionnaire(ready):
    assessment, external, raters = ready
    summary = run_import(assessment, HEADER + "r-1,customers,E01,4,3,,,,\nr-1,customers,S07,,,,,,\n"
                                              "r-2,management,S07,5,4,5,3,long,Recall costs\n")
    assert (summary.respondents, summary.ratings, summary.replaced) == (2, 3, 0)
    r1 = Response.objects.get(respondent_key="r-1")
    assert (r1.status, r1.source, r1.questionnaire, r1.group.code) == ("submitted", "import", external, "customers")
    assert r1.submitted_at is not None
    assert Response.objects.get(respondent_key="r-2").questionnaire == raters
    rating = Rating.objects.get(response__respondent_key="r-2")
    assert (rating.severity, rating.likelihood, rating.magnitude, rating.financial_likelihood, rating.horizon,
            rating.comment) == (5, 4, 5, 3, "long", "Recall costs")
    dont_know = Rating.objects.get(response=r1, topic__code="S07")
    assert dont_know.severity is None and dont_know.likelihood is None


def test_reimport_replaces_answers(ready):
    assessment, *_ = ready
    run_import(assessment, HEADER + "r-1,customers,E01,4,3,,,,\nr-1,customers,E02,2,2,,,,\n")
    summary = run_import(assessment, HEADER + "r-1,customers,E01,1,1,,,,\n")
    assert summary.replaced == 1
    assert Response.objects.count() == 1
    assert list(Rating.objects.values_list("topic__code", "severity")) == [("E01", 1)]


def test_a_bad_file_changes_nothing_and_names_every_bad_line(ready):
    assessment, *_ = ready
    run_import(assessment, HEADER + "keep,customers,E01,4,3,,,,\n")
    text = HEADER + ("ok,customers,E01,4,3,,,,\n"
                     "bad1,customers,E01,9,3,,,,\n"
                     "bad2,nobody,E01,4,3,,,,\n"
                     "bad3,management,E01,4,3,,,someday,\n")
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, text)
    assert [e.split(":")[0] for e in exc.value.errors] == ["Line 3", "Line 4", "Line 5"]
    assert "severity '9' is not a whole number from 1 to 5" in exc.value.errors[0]
    assert list(Response.objects.values_list("respondent_key", flat=True)) == ["keep"]


def test_same_respondent_and_topic_twice_is_refused(ready):
    assessment, *_ = ready
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, HEADER + "r-1,customers,E01,4,3,,,,\nr-1,customers,E02,4,3,,,,\nr-1,customers,E01,2,2,,,,\n")
    assert exc.value.errors == ["Line 4: respondent 'r-1' rates topic E01 again (first on line 2)"]
    assert not Response.objects.exists()


def test_respondent_in_two_groups_is_refused(ready):
    assessment, *_ = ready
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, HEADER + "r-1,customers,E01,4,3,,,,\nr-1,employees,E02,4,3,,,,\n")
    assert exc.value.errors == ["Line 3: respondent 'r-1' is in group 'employees' here but in 'customers' on line 2"]
    assert not Response.objects.exists()


def test_group_without_questionnaire_is_refused(assessment):
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, HEADER + "r-1,customers,E01,4,3,,,,\n")
    assert "no questionnaire of this assessment is addressed to group 'customers'" in exc.value.errors[0]


def test_retired_topic_is_refused(ready):
    assessment, *_ = ready
    assessment.library.topics.filter(code="E07").update(change_kind="retired")
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, HEADER + "r-1,customers,E07,4,3,,,,\n")
    assert "'E07' is not an active topic" in exc.value.errors[0]


def test_header_only_file_is_refused(ready):
    with pytest.raises(ImportRefused) as exc:
        run_import(ready[0], HEADER)
    assert exc.value.errors == ["The file has a header but no answers."]


def test_synthetic_file_round_trips(ready):
    assessment, *_ = ready
    data = synthetic_csv(assessment, per_group=5)
    summary = imports.import_responses(assessment, data, "answers.csv")
    assert summary.respondents == 45 and summary.ratings == 45 * 24
    assert imports.import_responses(assessment, data, "answers.csv").replaced == 45
    assert Rating.objects.count() == 45 * 24


def test_command_reports_and_exits_non_zero_on_errors(ready, tmp_path, capsys):
    assessment, *_ = ready
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "r-1,customers,E01,4,3,,,,\n")
    call_command("import_responses", assessment.slug, str(good))
    assert "Imported 1 respondent (0 replaced) with 1 rating into" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "r-2,customers,E01,4,30,,,,\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_responses", assessment.slug, str(bad))
    assert "Line 2: likelihood '30'" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No assessment"):
        call_command("import_responses", "nope", str(good))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_responses", assessment.slug, str(tmp_path / "missing.csv"))
    assert Response.objects.count() == 1


def test_items_the_group_is_not_asked_must_be_empty(ready):
    assessment, *_ = ready
    text = HEADER + ("r-fin,customers,E01,3,3,5,5,long,x\n"
                     "r-ok,management,E01,3,3,5,5,long,x\n")
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, text)
    assert exc.value.errors == ["Line 2: group 'customers' is not asked the financial items (magnitude, "
                                "financial_likelihood, horizon); leave them empty"]
    assert not Rating.objects.exists()


def test_a_comment_longer_than_the_web_form_allows_is_refused(ready):
    assessment, *_ = ready
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, HEADER + f"r-1,customers,E01,3,3,,,,{'x' * 2001}\n")
    assert exc.value.errors == ["Line 2: the comment is longer than 2000 characters"]
    assert run_import(assessment, HEADER + f"r-1,customers,E01,3,3,,,,{'x' * 2000}\n").ratings == 1


def test_a_repeated_topic_is_named_even_when_other_lines_are_wrong(ready):
    assessment, *_ = ready
    text = HEADER + ("r-1,customers,E01,4,3,,,,\n"
                     "r-1,customers,E01,2,2,,,,\n"
                     "r-2,customers,E02,9,3,,,,\n"
                     "r-3,customers,E03,4,3,,,,\n"
                     "r-3,management,E03,4,3,,,,\n")
    with pytest.raises(ImportRefused) as exc:
        run_import(assessment, text)
    assert exc.value.errors == [
        "Line 3: respondent 'r-1' rates topic E01 again (first on line 2)",
        "Line 4: severity '9' is not a whole number from 1 to 5 (leave it empty for don't know)",
        "Line 6: respondent 'r-3' is in group 'management' here but in 'customers' on line 5",
        "Line 6: respondent 'r-3' rates topic E03 again (first on line 5)",
    ]


def test_command_records_the_import_and_refuses_a_confirmed_assessment(ready, tmp_path):
    from django.utils import timezone

    from materiality.models import AuditEntry

    assessment, *_ = ready
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "r-1,customers,E01,4,3,,,,\n")
    call_command("import_responses", assessment.slug, str(good))
    entry = AuditEntry.objects.get(action="responses.import")
    assert entry.actor is None and entry.after == {"file": "good.csv", "respondents": 1, "replaced": 0, "ratings": 1}
    type(assessment).objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    with pytest.raises(CommandError, match="This assessment is confirmed"):
        call_command("import_responses", assessment.slug, str(good))
    assert AuditEntry.objects.filter(action="responses.import").count() == 1
