"""Every importer refuses a NUL character or a broken quote: the line is named, nothing is written, never a 500.

PostgreSQL cannot store a NUL in text (SQLite can), so the same files run on both databases (set DATABASE_URL).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from materiality import services as library_services
from materiality.models import AuditEntry, IssueLibrary, Topic
from materiality.services import ImportRefused
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import imports
from surveys.models import Rating, Response
from tests.conftest import client_for
from tests.scoring_helpers import make_questionnaires

LIBRARY_HEADER = "code,pillar,name_en,name_zh,change_kind,change_note\n"
CONTACTS_HEADER = "name,email,organisation,group,language\n"
RESPONSES_HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"


def upload(name: str, content: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, content)}


# --- the library ---------------------------------------------------------------------------------------------------

@pytest.fixture
def draft_2025(library_2024: IssueLibrary) -> IssueLibrary:
    return library_services.clone_library(library_2024)


def library_state(library: IssueLibrary) -> list[tuple]:
    return list(Topic.objects.filter(library=library).order_by("code").values_list(
        "code", "name_en", "name_zh", "description_en", "change_kind", "change_note"))


def post_library(user, content: bytes, name: str = "topics.csv") -> str:
    response = client_for(user).post(reverse("materiality:library_import", args=[2025]), upload(name, content))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("line", [
    "E50,E,Clean\x00water,,new,",
    "E50,E,Clean water,\x00,new,",
    "E01,E,Respond to climate change,,unchanged,note\x00",
])
def test_library_import_refuses_a_nul_character(draft_2025, work_team_user, line):
    before = library_state(draft_2025)
    page = post_library(work_team_user, (LIBRARY_HEADER + "E51,E,Fine,,new,\n" + line + "\n").encode())
    assert "line 3: " in page and "null character" in page
    assert library_state(draft_2025) == before
    assert not AuditEntry.objects.filter(action="library.import").exists()


def test_library_import_refuses_a_quote_that_swallows_the_following_lines(draft_2025, work_team_user):
    before = library_state(draft_2025)
    text = LIBRARY_HEADER + "E50,E,Fine,,new,\nE51,E,\"Clean water,,new,\nE52,E,Other,,new,\n"
    page = post_library(work_team_user, text.encode())
    assert "line 3: " in page and "quotation mark" in page
    assert library_state(draft_2025) == before


def test_library_import_refuses_a_quote_left_open_on_the_last_line(draft_2025, work_team_user):
    before = library_state(draft_2025)
    page = post_library(work_team_user, (LIBRARY_HEADER + "E50,E,Fine,,new,\nE51,E,\"A,a,new,\n").encode())
    assert "line 3" in page and "quot" in page
    assert library_state(draft_2025) == before


# --- contacts ------------------------------------------------------------------------------------------------------

@pytest.fixture
def groups(library_2024: IssueLibrary) -> dict[str, StakeholderGroup]:
    return {g.code: g for g in StakeholderGroup.objects.all()}


def post_contacts(user, content: bytes) -> str:
    response = client_for(user).post(reverse("stakeholders:contact_import"), upload("contacts.csv", content))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("line", [
    "Chan Tai\x00 Man,taiman@example.com,Acme,customers,en",
    "Chan Tai Man,taiman@example.com,Ac\x00me,customers,en",
    "Chan Tai Man,tai\x00man@example.com,Acme,customers,en",
])
def test_contact_import_refuses_a_nul_character(groups, work_team_user, line):
    page = post_contacts(work_team_user, (CONTACTS_HEADER + "Alice Wong,alice@example.org,,employees,\n"
                                          + line + "\n").encode())
    assert "line 3: " in page
    assert not Stakeholder.objects.exists()


def test_contact_import_names_the_nul_character(groups, work_team_user):
    page = post_contacts(work_team_user, (CONTACTS_HEADER + "Chan\x00,taiman@example.com,,customers,en\n").encode())
    assert "line 2: the name cell contains a null character" in page
    assert not Stakeholder.objects.exists()


def test_contact_import_refuses_a_quote_that_swallows_the_following_lines(groups, work_team_user):
    text = CONTACTS_HEADER + "\"Alice Wong,alice@example.org,,employees,\nChan Tai Man,taiman@example.com,,customers,en\n"
    page = post_contacts(work_team_user, text.encode())
    assert "line 2: " in page and "quotation mark" in page
    assert not Stakeholder.objects.exists()


# --- responses -----------------------------------------------------------------------------------------------------

@pytest.fixture
def ready(assessment):
    make_questionnaires(assessment)
    imports.import_responses(assessment, (RESPONSES_HEADER + "keep,customers,E01,4,3,,,,kept\n").encode(), "a.csv")
    return assessment


def response_state() -> list[tuple]:
    return list(Rating.objects.order_by("pk").values_list("response__respondent_key", "topic__code", "severity",
                                                          "comment"))


def refused(assessment, data: bytes, name: str = "answers.csv") -> list[str]:
    with pytest.raises(ImportRefused) as exc:
        imports.import_responses(assessment, data, name)
    return exc.value.errors


@pytest.mark.parametrize("line,column", [
    ("r-2,customers,E01,4,3,,,,bad\x00comment", "comment"),
    ("r\x002,customers,E01,4,3,,,,", "respondent"),
    ("r-2,customers,E01,4,3,,,,\"quoted \x00 comment\"", "comment"),
])
def test_response_import_refuses_a_nul_character(ready, line, column):
    before = response_state()
    data = (RESPONSES_HEADER + "r-1,customers,E02,4,3,,,,fine\n" + line + "\nr-3,customers,E01,4,3,,,,\n").encode()
    errors = refused(ready, data)
    assert errors == [f"Line 3: the {column} cell contains a null character, which cannot be stored; remove it"]
    assert response_state() == before
    assert AuditEntry.objects.filter(action="responses.import").count() == 1


def test_response_import_refuses_a_nul_character_next_to_other_errors(ready):
    data = (RESPONSES_HEADER + "r-1,customers,E02,9,3,,,,\nr-2,cust\x00omers,E01,4,3,,,,\n").encode()
    errors = refused(ready, data)
    assert errors[0].startswith("Line 2: severity '9'")
    assert "Line 3: the group cell contains a null character, which cannot be stored; remove it" in errors
    assert Response.objects.count() == 1


@pytest.mark.parametrize("text,line", [
    (RESPONSES_HEADER + "r-1,customers,E01,4,3,,,,\"never closed\nr-2,customers,E01,4,3,,,,\n", 2),
    (RESPONSES_HEADER + "r-1,customers,E01,4,3,,,,\"two\nlines\"\nr-2,customers,E01,4,3,,,,\"oops\n", 3),
    (RESPONSES_HEADER + "r-1,customers,E01,4,3,,,,\n\n\"r-2,customers,E01,4,3,,,,\nr-3,customers,E01,4,3,,,,\n", 4),
])
def test_response_import_refuses_a_quote_left_open(ready, text, line):
    before = response_state()
    errors = refused(ready, text.encode())
    assert errors == [f"The CSV cannot be read: line {line}: a quotation mark (\") opens a cell that is never "
                      "closed, so the rest of the file would be read as that one cell"]
    assert response_state() == before


def test_response_import_refuses_a_sheet_that_is_not_well_formed_xml(ready):
    """A NUL cannot sit in an XLSX cell: written as &#0; it breaks the sheet's XML, which openpyxl reads lazily."""
    book = Workbook()
    book.active.append(["respondent", "group", "topic", "comment"])
    book.active.append(["r-1", "customers", "E01", "PLACEHOLDER"])
    buffer = io.BytesIO()
    book.save(buffer)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename).replace(b"PLACEHOLDER", b"a&#0;b"))
    assert refused(ready, broken.getvalue(), "answers.xlsx") == ["The file is not a readable XLSX workbook."]
    assert Response.objects.count() == 1


def test_response_upload_page_shows_the_refusal(ready, work_team_user):
    url = reverse("materiality:import_responses", args=[ready.slug])
    client = client_for(work_team_user)
    for content in ((RESPONSES_HEADER + "r-2,customers,E01,4,3,,,,a\x00b\n").encode(),
                    (RESPONSES_HEADER + "r-2,customers,E01,4,3,,,,\"a\n").encode()):
        page = client.post(url, upload("a.csv", content))
        assert page.status_code == 200 and "line 2" in page.content.decode().lower()
    assert Response.objects.count() == 1
