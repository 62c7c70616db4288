"""aggregate and export_results from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from materiality.models import ScoreRun
from tests.scoring_helpers import import_synthetic, make_questionnaires

# The job is enqueued on commit, so these tests commit for real (the command waits for the run it started).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def answered(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=15, seed=2)
    return assessment


def test_aggregate_prints_one_summary_line(answered, capsys):
    call_command("aggregate", answered.slug, "--timeout", "20")
    out = capsys.readouterr().out.strip().splitlines()
    run = ScoreRun.objects.get()
    assert len(out) == 1
    assert out[0].startswith(f"Run {run.pk} succeeded in ") and " s: 135 respondents, major 2, important 20, " \
        "general 2" in out[0]


def test_aggregate_counts_raters_for_an_esrs_1_run(assessment, capsys):
    from materiality import esrs_scoring
    from tests.materiality.esrs_factory import esrs_assessment, make_register, rate

    esrs_assessment(assessment, esrs_scoring.RULES[0])
    rate(make_register(assessment))
    call_command("aggregate", assessment.slug, "--timeout", "20")
    out = capsys.readouterr().out
    assert " s: 5 raters, major " in out and "respondents" not in out


def test_aggregate_refuses_unknown_slug():
    with pytest.raises(CommandError, match="No assessment"):
        call_command("aggregate", "nope")


def test_export_results_csv_json_and_xlsx(answered, tmp_path, capsys):
    with pytest.raises(CommandError, match="no successful score run"):
        call_command("export_results", answered.slug)
    call_command("aggregate", answered.slug)
    capsys.readouterr()
    call_command("export_results", answered.slug)
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "topic,pillar,name,impact,financial,combined,n_impact,n_financial,classification,rank"
    rows = list(csv.DictReader(io.StringIO(text)))
    run = ScoreRun.objects.get()
    first = run.topic_scores.get(rank=1)
    assert rows[0]["topic"] == first.topic.code and float(rows[0]["combined"]) == first.combined
    call_command("export_results", answered.slug, "--format", "json")
    assert json.loads(capsys.readouterr().out)[0]["impact"] == first.impact
    target = tmp_path / "r.xlsx"
    call_command("export_results", answered.slug, "--format", "xlsx", "--output", str(target))
    assert load_workbook(target).active.max_row == 25
    by_name = tmp_path / "by-name.xlsx"  # no --format: the file's extension chooses it
    call_command("export_results", answered.slug, "--output", str(by_name))
    assert load_workbook(by_name).active.max_row == 25


@pytest.mark.parametrize("args,message", [
    (["--format", "pdf"], "Unknown format"),
    (["--format", "xlsx"], "give --output"),
    (["--output", "/no/such/dir/x.csv"], "No such directory"),
    (["--format", "csv", "--output", "x.json"], "does not match the file name"),
])
def test_export_results_bad_input(answered, args, message):
    call_command("aggregate", answered.slug)
    with pytest.raises(CommandError, match=message):
        call_command("export_results", answered.slug, *args)


def test_aggregate_refuses_an_assessment_without_submitted_answers(assessment):
    with pytest.raises(CommandError, match="There are no submitted answers to score yet."):
        call_command("aggregate", assessment.slug)
    assert not ScoreRun.objects.exists()


def test_aggregate_counts_topics_without_answers_apart(assessment, capsys):
    from surveys import imports

    make_questionnaires(assessment)
    header = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"
    imports.import_responses(assessment, (header + "r-1,management,E01,5,5,5,5,short,\n").encode(), "one.csv")
    call_command("aggregate", assessment.slug)
    assert "major 1, important 0, general 0, no answers 23" in capsys.readouterr().out
