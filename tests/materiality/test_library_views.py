"""The library pages: who may do what, and that each action really changes (or refuses to change) the library."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from materiality import services
from materiality.models import IssueLibrary, Topic
from materiality.tables import read_csv
from tests.conftest import client_for

READ_PAGES = [
    ("materiality:library_list", {}),
    ("materiality:library_detail", {"year": 2024}),
    ("materiality:library_changes", {"year": 2024}),
    ("materiality:library_export", {"year": 2024, "fmt": "csv"}),
]
EDIT_PAGES = [
    ("materiality:library_create", {}),
    ("materiality:library_clone", {"year": 2024}),
    ("materiality:topic_create", {"year": 2025}),
    ("materiality:topic_edit", {"year": 2025, "code": "E01"}),
    ("materiality:library_import", {"year": 2025}),
]


@pytest.fixture
def draft_2025(library_2024: IssueLibrary) -> IssueLibrary:
    return services.clone_library(library_2024)


@pytest.mark.parametrize("name,kwargs", READ_PAGES)
def test_both_roles_may_read_the_library(draft_2025, work_team_user, committee_user, outsider, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client_for(work_team_user).get(url).status_code == 200
    assert client_for(committee_user).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 403


@pytest.mark.parametrize("name,kwargs", EDIT_PAGES)
def test_only_the_work_team_may_open_edit_pages(draft_2025, work_team_user, committee_user, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client_for(work_team_user).get(url).status_code == 200
    assert client_for(committee_user).get(url).status_code == 403
    assert client_for(committee_user).post(url, {}).status_code == 403


def test_committee_cannot_change_a_topic(draft_2025, committee_user):
    url = reverse("materiality:topic_edit", kwargs={"year": 2025, "code": "E01"})
    client_for(committee_user).post(url, {"code": "E01", "pillar": "E", "name_en": "Hacked", "change_kind": "renamed"})
    assert Topic.objects.get(library=draft_2025, code="E01").name_en == "Respond to climate change"
    for name in ("topic_retire", "topic_move"):
        response = client_for(committee_user).post(
            reverse(f"materiality:{name}", kwargs={"year": 2025, "code": "E01"}), {"direction": "down"}
        )
        assert response.status_code == 403
    assert client_for(committee_user).post(reverse("materiality:library_publish", args=[2025])).status_code == 403
    assert not IssueLibrary.objects.get(year=2025).is_published


def test_clone_keeps_lineage_and_renaming_shows_in_changes(library_2024, work_team_user):
    client = client_for(work_team_user)
    response = client.post(reverse("materiality:library_clone", args=[2024]), {"year": 2025, "name": "Library 2025"})
    assert response.status_code == 302
    new = IssueLibrary.objects.get(year=2025)
    assert new.topics.count() == 24 and not new.is_published
    s07 = new.topics.get(code="S07")
    assert list(s07.predecessors.values_list("library__year", "code")) == [(2024, "S07")]

    response = client.post(reverse("materiality:topic_edit", args=[2025, "S07"]), {
        "code": "S07", "pillar": "S", "name_en": "Product quality, safety and recalls", "name_zh": "产品质量、安全与召回",
        "change_kind": "unchanged", "predecessors": [s07.predecessors.get().pk], "change_note": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    s07.refresh_from_db()
    assert s07.change_kind == Topic.Change.RENAMED

    page = client.get(reverse("materiality:library_changes", args=[2025])).content.decode()
    assert "Product quality and safety" in page and "Product quality, safety and recalls" in page
    assert "1 change since last year" in page


def test_changes_view_of_2024_matches_the_report(library_2024, committee_user):
    page = client_for(committee_user).get(reverse("materiality:library_changes", args=[2024])).content.decode()
    assert page.count('data-kind="new"') == 4
    assert page.count('data-kind="renamed"') == 2
    assert page.count('data-kind="expanded"') == 4
    assert "Welfare and security" in page and "Employee rights and interests protection" in page


def test_published_library_refuses_edits(library_2024, work_team_user):
    client = client_for(work_team_user)
    response = client.post(reverse("materiality:topic_edit", args=[2024, "E01"]),
                           {"code": "E01", "pillar": "E", "name_en": "Changed", "change_kind": "renamed"}, follow=True)
    assert "read-only" in response.content.decode()
    assert Topic.objects.get(library=library_2024, code="E01").name_en == "Respond to climate change"
    with pytest.raises(services.LibraryLocked):
        services.retire_topic(Topic.objects.get(library=library_2024, code="E01"))


def test_add_retire_reorder_and_publish(draft_2025, work_team_user):
    client = client_for(work_team_user)
    response = client.post(reverse("materiality:topic_create", args=[2025]), {
        "code": "E08", "pillar": "E", "name_en": "Noise", "name_zh": "噪音", "change_kind": "new",
    })
    assert response.status_code == 302
    assert draft_2025.topics.get(code="E08").position > draft_2025.topics.get(code="E07").position

    for bad in ("x" * 2001, "nul\x00"):  # too long for the report table; PostgreSQL cannot store NUL
        client.post(reverse("materiality:topic_retire", args=[2025, "S06"]), {"note": bad})
        assert not draft_2025.topics.get(code="S06").is_retired
    client.post(reverse("materiality:topic_retire", args=[2025, "S06"]), {"note": "Folded into S04"})
    assert draft_2025.topics.get(code="S06").is_retired

    codes = lambda: list(draft_2025.topics.filter(pillar="E").order_by("position").values_list("code", flat=True))  # noqa: E731
    before = codes()
    client.post(reverse("materiality:topic_move", args=[2025, "E02"]), {"direction": "up"})
    after = codes()
    assert after[:2] == ["E02", "E01"] and sorted(after) == sorted(before)

    client.post(reverse("materiality:library_publish", args=[2025]))
    assert IssueLibrary.objects.get(year=2025).is_published
    changes = client.get(reverse("materiality:library_changes", args=[2025])).content.decode()
    assert 'data-kind="retired"' in changes and 'data-kind="new"' in changes


def test_duplicate_code_is_refused_with_a_message(draft_2025, work_team_user):
    response = client_for(work_team_user).post(reverse("materiality:topic_create", args=[2025]), {
        "code": "E01", "pillar": "E", "name_en": "Dup", "change_kind": "new",
    })
    assert response.status_code == 200
    assert "already has code E01" in response.content.decode()
    assert draft_2025.topics.filter(code="E01").count() == 1


def test_export_round_trips_through_import(draft_2025, work_team_user):
    client = client_for(work_team_user)
    csv_bytes = client.get(reverse("materiality:library_export", args=[2025, "csv"])).content
    table = read_csv(csv_bytes)
    assert len(table.rows) == 24 and table.header[0] == "code"
    xlsx = client.get(reverse("materiality:library_export", args=[2025, "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.max_row == 25 and sheet["C2"].value == "Respond to climate change"

    upload = io.BytesIO(csv_bytes.replace(b"Energy management", b"Energy and carbon management"))
    upload.name = "lib.csv"
    response = client.post(reverse("materiality:library_import", args=[2025]), {"file": upload})
    assert response.status_code == 302
    assert draft_2025.topics.get(code="E02").name_en == "Energy and carbon management"
    assert draft_2025.topics.count() == 24


def test_bad_import_names_every_line_and_changes_nothing(draft_2025, work_team_user):
    data = (
        "code,pillar,name_en,name_zh,change_kind,predecessors\n"
        "E01,E,Climate action,应对气候变化,renamed,E01\n"
        "X9,Q,Bad pillar,,new,\n"
        "E10,E,,,new,\n"
        "S99,S,Ghost lineage,,merged,ZZ1\n"
    ).encode()
    upload = io.BytesIO(data)
    upload.name = "bad.csv"
    response = client_for(work_team_user).post(reverse("materiality:library_import", args=[2025]), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "line 3: pillar" in page and "line 4: name_en is empty" in page and "line 5: predecessor(s) ZZ1" in page
    assert draft_2025.topics.get(code="E01").name_en == "Respond to climate change"
    assert not draft_2025.topics.filter(code__in=["X9", "E10", "S99"]).exists()


def test_import_of_a_non_table_file_is_refused(draft_2025, work_team_user):
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n garbage")
    upload.name = "topics.xlsx"
    response = client_for(work_team_user).post(reverse("materiality:library_import", args=[2025]), {"file": upload})
    assert "not a readable XLSX" in response.content.decode()


def test_restore_a_retired_topic_and_delete_a_mistaken_one(draft_2025, work_team_user):
    client = client_for(work_team_user)
    client.post(reverse("materiality:topic_retire", args=[2025, "S06"]))
    client.post(reverse("materiality:topic_restore", args=[2025, "S06"]))
    assert draft_2025.topics.get(code="S06").change_kind == Topic.Change.UNCHANGED
    client.post(reverse("materiality:topic_create", args=[2025]), {"code": "E99", "pillar": "E", "name_en": "Oops",
                                                                  "change_kind": "new"})
    page = client.post(reverse("materiality:topic_delete", args=[2025, "E99"]), follow=True).content.decode()
    assert "E99 is deleted" in page and not draft_2025.topics.filter(code="E99").exists()
    published = client.post(reverse("materiality:topic_delete", args=[2024, "E01"]), follow=True).content.decode()
    assert "read-only" in published and Topic.objects.filter(library__year=2024, code="E01").exists()
