"""`export_results SLUG --level iro`: one row per IRO with DESIGN.md section 4's columns, in CSV, JSON and XLSX."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from materiality.models import IroRating, IroScore
from tests.conftest import client_for
from tests.materiality.conftest import score
from tests.materiality.esrs_factory import esrs_assessment, make_register, rate

HEADER = "iro,topic,kind,sign,status,score,n,low,high,material,rank"


@pytest.fixture
def run(assessment):
    esrs_assessment(assessment)
    iros = make_register(assessment, topics=4)
    rate(iros, raters=4)
    IroRating.objects.filter(iro=iros[0]).exclude(rater="rater-000").delete()  # an IRO with n < 2: no interval
    return score(assessment)


def export(capsys, *args: str) -> str:
    call_command("export_results", "dma-2024", "--level", "iro", *args)
    return capsys.readouterr().out


def test_csv_has_one_row_per_iro_at_full_precision(run, capsys):
    text = export(capsys)
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    stored = {s.iro.code: s for s in IroScore.objects.filter(run=run).select_related("iro")}
    assert [r["iro"] for r in rows] == [s.iro.code for s in sorted(stored.values(), key=lambda s: s.rank)]
    for row in rows:
        s = stored[row["iro"]]
        assert row["score"] == ("" if s.score is None else repr(s.score))
        assert row["material"] == ("yes" if s.material else "no") and int(row["n"]) == s.n
        assert (row["low"] == "") == (s.n < 2)
        assert row["kind"] == s.iro.kind and row["sign"] == s.iro.sign and row["topic"] == s.iro.topic.code


def test_json_and_xlsx_carry_the_same_rows(run, capsys, tmp_path):
    records = json.loads(export(capsys, "--format", "json"))
    rows = list(csv.DictReader(io.StringIO(export(capsys))))
    assert [r["iro"] for r in records] == [r["iro"] for r in rows]
    assert list(records[0]) == HEADER.split(",")
    path = tmp_path / "iros.xlsx"
    call_command("export_results", "dma-2024", "--level", "iro", "--output", str(path))
    sheet = load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert ",".join(values[0]) == HEADER and len(values) == len(rows) + 1
    first = records[0]
    assert values[1][0] == first["iro"] and (first["score"] is None or math.isclose(values[1][5], first["score"]))


def test_a_dma_run_or_an_unknown_level_is_refused(assessment, scored, capsys):
    with pytest.raises(CommandError, match="scores topics, not IROs"):
        export(capsys)
    with pytest.raises(CommandError, match="Unknown level"):
        call_command("export_results", "dma-2024", "--level", "group")


def test_the_results_page_downloads_the_iro_rows(run, work_team_user):
    url = reverse("materiality:results_export", args=["dma-2024", "csv"]) + "?level=iro"
    response = client_for(work_team_user).get(url)
    assert response.status_code == 200 and response.content.decode().splitlines()[0] == HEADER
