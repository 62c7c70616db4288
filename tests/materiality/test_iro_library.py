"""The shipped esrs-2023 library (ESRS 1 AR 16) and the calb-2024 crosswalk, and where the crosswalk shows."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from materiality import crosswalk, services
from materiality.models import IssueLibrary
from tests.conftest import client_for

TEMPLATE = json.loads((services.LIBRARY_DATA / "esrs-2023.json").read_text(encoding="utf-8"))


def test_the_template_holds_the_ar_16_matters_as_a_tree():
    topics = {t["code"]: t for t in TEMPLATE["topics"]}
    standards = [c for c, t in topics.items() if t["level"] == "topic"]
    assert standards == ["E1", "E2", "E3", "E4", "E5", "S1", "S2", "S3", "S4", "G1"]
    assert [topics[c]["name_en"] for c in ("E1", "E5", "S4", "G1")] == [
        "Climate change", "Resource use and circular economy", "Consumers and end-users", "Business conduct"]
    for code, t in topics.items():
        assert t["name_zh"] and t["pillar"] == code[0] and len(code) <= 16
        if t["level"] != "topic":
            assert topics[t["parent"]]["level"] == {"sub-topic": "topic", "sub-sub-topic": "sub-topic"}[t["level"]]
    assert [topics[c]["name_en"] for c in ("E1.1", "E1.2", "E1.3")] == [
        "Climate change adaptation", "Climate change mitigation", "Energy"]
    assert topics["S1.1.8"]["name_en"] == "Health and safety" and topics["S1.1.8"]["parent"] == "S1.1"
    assert topics["G1.6.1"]["name_en"] == "Prevention and detection including training"
    assert sum(t["level"] == "sub-topic" for t in topics.values()) == 37


def test_the_crosswalk_names_every_calb_2024_topic_and_only_esrs_codes():
    calb = json.loads((services.LIBRARY_DATA / "calb-2024.json").read_text(encoding="utf-8"))
    walk = crosswalk.crosswalks()["calb-2024"]
    assert walk.target == "esrs-2023" and walk.version == 1
    assert set(walk.entries) == {t["code"] for t in calb["topics"]}
    for entry in walk.entries.values():
        assert entry.matters or (entry.note_en and entry.note_zh), entry.topic
    assert [m.code for m in walk.entries["S10"].matters] == ["S1.1.8"]
    assert crosswalk.esrs_matters()["S1.1.8"].path_for("en") == "S1 Own workforce › Working conditions › Health and safety"
    assert "S10" in crosswalk.topics_covering("S1") and "S10" in crosswalk.topics_covering("S1.1.8")


@pytest.mark.django_db
def test_load_library_esrs_2023_takes_the_next_free_year_and_is_idempotent(library_2024, capsys):
    call_command("load_library", "esrs-2023")
    library = IssueLibrary.objects.get(template="esrs-2023")
    assert library.year == 2025 and library.topics.count() == len(TEMPLATE["topics"]) and library.is_published
    call_command("load_library", "esrs-2023")
    assert IssueLibrary.objects.filter(template="esrs-2023").count() == 1
    assert "0 topics" in capsys.readouterr().out.splitlines()[-1]
    with pytest.raises(CommandError, match="The 2024 library already exists"):
        call_command("load_library", "esrs-2023", "--year", "2024")
    call_command("load_library", "esrs-2023", "--year", "2030")
    land_use = IssueLibrary.objects.get(year=2030).topics.get(code="E4.1.2")
    assert land_use.name_zh == "土地利用变化、淡水利用变化和海洋利用变化"


@pytest.mark.django_db
def test_a_cloned_library_maps_through_its_lineage(library_2024):
    clone = services.clone_library(library_2024)
    assert [m.code for m in crosswalk.matters_for(clone.topics.get(code="S10"))] == ["S1.1.8"]
    assert crosswalk.matters_for(clone.topics.get(code="S01")) == ()


@pytest.mark.django_db
def test_the_library_export_carries_the_esrs_codes(library_2024, work_team_user):
    text = client_for(work_team_user).get(reverse("materiality:library_export", args=[2024, "csv"])).content
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",esrs") and any(line.startswith("E01,") and line.endswith("E1.1; E1.2") for line in lines)


@pytest.mark.django_db
def test_the_topic_pages_show_the_crosswalk_both_ways(library_2024, work_team_user):
    call_command("load_library", "esrs-2023")
    client = client_for(work_team_user)
    calb = client.get(reverse("materiality:topic_detail", args=[2024, "G01"])).content.decode()
    assert "ESRS 2 GOV-1 to GOV-5" in calb
    esrs = client.get(reverse("materiality:topic_detail", args=[2025, "S1.1"])).content.decode()
    assert "Part of" in esrs and "S1 Own workforce" in esrs and "S1.1.8 Health and safety" in esrs
    assert "S09, S10" in esrs


@pytest.mark.django_db
def test_the_results_xlsx_adds_the_esrs_column_and_the_csv_keeps_design_columns(scored, tmp_path, capsys):
    slug = scored.assessment.slug
    call_command("export_results", slug)
    assert capsys.readouterr().out.splitlines()[0] == (
        "topic,pillar,name,impact,financial,combined,n_impact,n_financial,classification,rank")
    call_command("export_results", slug, "--output", str(tmp_path / "r.xlsx"))
    sheet = load_workbook(io.BytesIO((tmp_path / "r.xlsx").read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "esrs"
    assert {r[0]: r[-1] for r in rows[1:]}["S07"] == "S4.2.1"
