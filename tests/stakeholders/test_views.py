"""Registry pages: who may open what, and that each page really changes (or refuses to change) the registry."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from openpyxl import Workbook, load_workbook

from materiality.models import IssueLibrary
from materiality.tables import read_csv
from stakeholders.models import Stakeholder, StakeholderGroup
from tests.conftest import client_for
from tests.test_permissions import iter_names

WORK_TEAM_ONLY = {"work_team": 200, "committee": 403, "outsider": 403}
BOTH_ROLES = {"work_team": 200, "committee": 200, "outsider": 403}
# Every stakeholders URL and the status of a GET for each role; anonymous visitors always go to log in.
PAGES = {
    "group_list": ({}, BOTH_ROLES),
    "group_detail": ({"group": "customers"}, BOTH_ROLES),
    "group_create": ({}, WORK_TEAM_ONLY),
    "group_edit": ({"group": "customers"}, WORK_TEAM_ONLY),
    "group_delete": ({"group": "customers"}, WORK_TEAM_ONLY),
    "contact_list": ({}, WORK_TEAM_ONLY),
    "contact_create": ({}, WORK_TEAM_ONLY),
    "contact_import": ({}, WORK_TEAM_ONLY),
    "contact_template": ({"fmt": "xlsx"}, WORK_TEAM_ONLY),
    "contact_export": ({"fmt": "csv"}, WORK_TEAM_ONLY),
    "contact_edit": ({"pk": "contact"}, WORK_TEAM_ONLY),
    "contact_delete": ({"pk": "contact"}, WORK_TEAM_ONLY),
    "contact_anonymise": ({"pk": "contact"}, WORK_TEAM_ONLY),
}


@pytest.fixture
def groups(library_2024: IssueLibrary) -> dict[str, StakeholderGroup]:
    return {g.code: g for g in StakeholderGroup.objects.all()}


@pytest.fixture
def contact(groups) -> Stakeholder:
    return Stakeholder.objects.create(name="Chan Tai Man", email="taiman@example.com", organisation="Acme",
                                      group=groups["customers"])


def url_for(name: str, contact: Stakeholder) -> str:
    kwargs = {k: (contact.pk if v == "contact" else v) for k, v in PAGES[name][0].items()}
    return reverse(f"stakeholders:{name}", kwargs=kwargs)


def registry_state() -> tuple[list, list]:
    return (list(StakeholderGroup.objects.values_list("code", "name_en", "default_weight", "channels")),
            list(Stakeholder.objects.values_list("name", "email", "group__code", "anonymised_at")))


def upload(name: str, content: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, content)}


def test_the_table_covers_every_stakeholders_url():
    names = {n.split(":", 1)[1] for n, _ in iter_names(get_resolver()) if n.startswith("stakeholders:")}
    assert names == set(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_permission_table(name, contact, work_team_user, committee_user, outsider, client):
    url = url_for(name, contact)
    users = {"work_team": work_team_user, "committee": committee_user, "outsider": outsider}
    for role, expected in PAGES[name][1].items():
        response = client_for(users[role]).get(url)
        assert response.status_code == expected, f"{role} GET {url}"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_committee_cannot_post_anywhere(name, contact, committee_user):
    before = registry_state()
    data = {"code": "customers", "name_en": "Hacked", "kind": "external", "default_weight": 9, "name": "Hacked",
            "email": "hacked@example.com", "group": contact.group.pk, "language": "en"}
    response = client_for(committee_user).post(url_for(name, contact), data)
    assert response.status_code in (403, 405)
    assert registry_state() == before


def test_the_committee_sees_groups_but_no_personal_data(contact, committee_user):
    client = client_for(committee_user)
    for url in (reverse("stakeholders:group_list"), reverse("stakeholders:group_detail", args=["customers"])):
        page = client.get(url).content.decode()
        assert "Customers" in page
        assert "taiman@example.com" not in page and "Chan Tai Man" not in page
        assert reverse("stakeholders:contact_list") not in page
        assert reverse("stakeholders:group_edit", args=["customers"]) not in page


def test_group_detail_shows_needs_channels_weight_and_contact_count(contact, work_team_user):
    page = client_for(work_team_user).get(reverse("stakeholders:group_detail", args=["customers"])).content.decode()
    s07 = IssueLibrary.objects.get(year=2024).topics.get(code="S07")
    assert "S07" in page and s07.name_en in page
    assert "Customer satisfaction survey" in page and "客户" in page
    assert "External" in page
    assert "<dd class=\"col-sm-8 col-lg-9\">1</dd>" in page  # one contact


def test_work_team_adds_a_group_with_needs_and_channels(groups, work_team_user):
    response = client_for(work_team_user).post(reverse("stakeholders:group_create"), {
        "code": "Investors", "name_en": "Investors", "name_zh": "投资者", "kind": "external",
        "needs_topics": ["G01", "E01"], "channels": "Roadshow\n\n  Annual report  \nRoadshow\n", "default_weight": "0.5",
    })
    assert response.status_code == 302
    group = StakeholderGroup.objects.get(code="investors")
    assert (group.needs_topics, group.channels, group.default_weight) == (["G01", "E01"], ["Roadshow", "Annual report"], 0.5)
    assert group.position == 10


@pytest.mark.parametrize("data,field_error", [
    ({"default_weight": "-1"}, "Ensure this value is greater than or equal to 0"),
    ({"default_weight": "nan"}, "Enter a number"),
    ({"code": "customers"}, "Another group already has the code customers"),
    ({"code": "CUSTOMERS"}, "Another group already has the code customers"),
    ({"code": "new"}, "new is reserved"),
    ({"code": "not a slug"}, "Enter a valid"),
    ({"needs_topics": ["XX99"]}, "Select a valid choice"),
])
def test_a_bad_group_form_shows_the_error_and_saves_nothing(groups, work_team_user, data, field_error):
    before = registry_state()
    post = {"code": "investors", "name_en": "Investors", "kind": "external", "default_weight": "1", **data}
    response = client_for(work_team_user).post(reverse("stakeholders:group_create"), post)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert registry_state() == before


def test_editing_a_group_keeps_its_channels_and_codes_the_latest_library_lacks(groups, work_team_user):
    group = groups["customers"]
    group.needs_topics = ["S07", "OLD1"]
    group.save()
    client = client_for(work_team_user)
    page = client.get(reverse("stakeholders:group_edit", args=["customers"])).content.decode()
    assert "Customer satisfaction survey\nExhibition" in page
    assert "OLD1 (not in the latest library)" in page
    response = client.post(reverse("stakeholders:group_edit", args=["customers"]), {
        "code": "customers", "name_en": "Clients", "kind": "external", "needs_topics": ["S07", "OLD1"],
        "channels": "Hotline", "default_weight": "2",
    })
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name_en, group.needs_topics, group.channels) == ("Clients", ["S07", "OLD1"], ["Hotline"])
    assert group.default_weight == 2


def test_deleting_a_group_in_use_says_why_and_keeps_it(assessment, contact, work_team_user):
    client = client_for(work_team_user)
    page = client.get(reverse("stakeholders:group_delete", args=["customers"])).content.decode()
    assert "Customers cannot be deleted." in page and "It has 1 contact" in page and "DMA 2024" in page
    assert "<form method=\"post\"" not in page.split('id="main"')[1]
    response = client.post(reverse("stakeholders:group_delete", args=["customers"]), follow=True)
    assert "It takes part in the assessment(s) DMA 2024." in response.content.decode()
    assert StakeholderGroup.objects.filter(code="customers").exists()


def test_deleting_an_unused_group(groups, work_team_user):
    StakeholderGroup.objects.create(code="investors", name_en="Investors")
    response = client_for(work_team_user).post(reverse("stakeholders:group_delete", args=["investors"]))
    assert response.status_code == 302
    assert not StakeholderGroup.objects.filter(code="investors").exists()


def test_contact_list_filters_searches_and_pages(groups, work_team_user):
    Stakeholder.objects.bulk_create(
        [Stakeholder(name=f"Customer {i:02d}", email=f"c{i}@example.com", group=groups["customers"]) for i in range(60)]
        + [Stakeholder(name="Eve Employee", email="eve@acme.example", organisation="Acme", group=groups["employees"])]
    )
    client = client_for(work_team_user)
    url = reverse("stakeholders:contact_list")
    first = client.get(url, {"group": "customers"}).content.decode()
    assert "60 contacts" in first and "Customer 00" in first and "Customer 50" not in first and "Eve" not in first
    assert "group=customers&amp;page=2" in first
    second = client.get(url, {"group": "customers", "page": 2}).content.decode()
    assert "Customer 50" in second and "Customer 59" in second and "Customer 00" not in second
    found = client.get(url, {"q": "acme"}).content.decode()
    assert "1 contact" in found and "Eve Employee" in found
    for params in ({"page": "abc"}, {"page": "999"}, {"group": "nope"}, {"q": "x" * 5000}):
        assert client.get(url, params).status_code == 200


def test_contact_list_runs_a_fixed_number_of_queries(groups, work_team_user, django_assert_max_num_queries):
    Stakeholder.objects.bulk_create([Stakeholder(name=f"P{i}", email=f"p{i}@example.com", group=groups["community"])
                                     for i in range(40)])
    client = client_for(work_team_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stakeholders:contact_list")).status_code == 200


def test_adding_a_contact_with_a_taken_email_is_refused_plainly(contact, work_team_user):
    response = client_for(work_team_user).post(reverse("stakeholders:contact_create"), {
        "name": "Someone", "email": "TaiMan@Example.com", "group": contact.group.pk, "language": "en",
    })
    assert response.status_code == 200
    assert "taiman@example.com is already the e-mail of Chan Tai Man (Customers)." in response.content.decode()
    assert Stakeholder.objects.count() == 1


def test_adding_and_editing_a_contact(groups, work_team_user):
    client = client_for(work_team_user)
    assert 'value="' + str(groups["employees"].pk) + '" selected' in client.get(
        reverse("stakeholders:contact_create"), {"group": "employees"}).content.decode()
    response = client.post(reverse("stakeholders:contact_create"), {
        "name": "Li Hua", "email": "Li.Hua@Example.cn", "organisation": "", "group": groups["employees"].pk,
        "language": "zh-hans",
    })
    assert response.status_code == 302
    li = Stakeholder.objects.get(email="li.hua@example.cn")
    edit_page = client.get(reverse("stakeholders:contact_edit", args=[li.pk])).content.decode()
    assert 'value="' + str(groups["employees"].pk) + '" selected' in edit_page and 'value="Li Hua"' in edit_page
    response = client.post(reverse("stakeholders:contact_edit", args=[li.pk]), {
        "name": "Li Hua", "email": "li.hua@example.cn", "organisation": "CALB", "group": groups["management"].pk,
        "language": "en",
    })
    assert response.status_code == 302
    li.refresh_from_db()
    assert (li.organisation, li.group.code, li.language) == ("CALB", "management", "en")


def test_delete_asks_first_then_deletes(contact, work_team_user):
    client = client_for(work_team_user)
    url = reverse("stakeholders:contact_delete", args=[contact.pk])
    assert "Delete Chan Tai Man?" in client.get(url).content.decode()
    assert Stakeholder.objects.filter(pk=contact.pk).exists()
    assert client.post(url).status_code == 302
    assert not Stakeholder.objects.filter(pk=contact.pk).exists()


def test_anonymise_asks_first_then_erases_and_cannot_be_edited_after(contact, work_team_user):
    client = client_for(work_team_user)
    url = reverse("stakeholders:contact_anonymise", args=[contact.pk])
    assert "cannot be undone" in client.get(url).content.decode()
    assert Stakeholder.objects.get(pk=contact.pk).anonymised_at is None
    client.post(url)
    contact.refresh_from_db()
    assert contact.is_anonymised and contact.name == contact.email == ""
    page = client.get(reverse("stakeholders:contact_list")).content.decode()
    assert "Anonymised" in page and "taiman@example.com" not in page
    response = client.post(reverse("stakeholders:contact_edit", args=[contact.pk]), {
        "name": "Back", "email": "taiman@example.com", "group": contact.group.pk, "language": "en"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == ""
    assert client.post(url).status_code == 302  # a second click is harmless


def test_import_page_imports_a_good_file(groups, work_team_user):
    client = client_for(work_team_user)
    page = client.get(reverse("stakeholders:contact_import")).content.decode()
    assert "<code>esg_experts</code>" in page and reverse("stakeholders:contact_template", args=["xlsx"]) in page
    data = b"name,email,organisation,group,language\nAda,ada@example.com,Acme,customers,Chinese\n"
    response = client.post(reverse("stakeholders:contact_import"), upload("contacts.csv", data), follow=True)
    assert "Import done: 1 new, 0 updated, 0 unchanged." in response.content.decode()
    assert Stakeholder.objects.get(email="ada@example.com").language == "zh-hans"


def test_import_page_lists_every_bad_line_and_imports_nothing(groups, work_team_user):
    data = (b"name,email,group\nAda,ada@example.com,customers\nBob,x@,customers\n"
            b",c@example.com,customers\nDi,ada@example.com,customers\nEd,ed@example.com,investors\n")
    response = client_for(work_team_user).post(reverse("stakeholders:contact_import"), upload("c.csv", data))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported." in page
    for line in ("line 3: e-mail &#x27;x@&#x27; is not valid", "line 4: the name is missing",
                 "line 5: e-mail ada@example.com already appears on line 2",
                 "line 6: group &#x27;investors&#x27; is unknown"):
        assert line in page
    assert Stakeholder.objects.count() == 0


@pytest.mark.parametrize("name,content,message", [
    ("c.pdf", b"%PDF", "Upload a .csv or .xlsx file."),
    ("c.xlsx", b"not a workbook", "The file is not a readable XLSX workbook."),
    ("c.csv", "name,email,group\nZoë,z@example.com,customers\n".encode("utf-16"), "not UTF-8"),
    ("c.csv", b"", "The submitted file is empty."),
    ("c.csv", b"just,a,header\n", "missing column(s) name, email, group"),
])
def test_import_page_refuses_unreadable_files_without_error(groups, work_team_user, name, content, message):
    response = client_for(work_team_user).post(reverse("stakeholders:contact_import"), upload(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Stakeholder.objects.count() == 0


def test_import_accepts_xlsx_and_reimport_updates(groups, work_team_user):
    book = Workbook()
    book.active.append(["name", "email", "organisation", "group", "language"])
    book.active.append(["Ada", "ada@example.com", "Acme", "customers", "en"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = client_for(work_team_user)
    client.post(reverse("stakeholders:contact_import"), upload("c.xlsx", buffer.getvalue()))
    client.post(reverse("stakeholders:contact_import"),
                upload("c.csv", b"name,email,group,language\nAda Lovelace,ada@example.com,industry,zh\n"))
    ada = Stakeholder.objects.get()
    assert (ada.name, ada.group.code, ada.language) == ("Ada Lovelace", "industry", "zh-hans")


def test_export_in_the_import_format_filtered_by_group_and_guarded(groups, work_team_user):
    Stakeholder.objects.create(name="=HYPERLINK(1)", email="a@example.com", group=groups["customers"])
    Stakeholder.objects.create(name="Bob", email="b@example.com", group=groups["employees"], language="zh-hans")
    client = client_for(work_team_user)
    response = client.get(reverse("stakeholders:contact_export", args=["csv"]), {"group": "employees"})
    assert response["Content-Disposition"] == 'attachment; filename="contacts-employees.csv"'
    rows = read_csv(response.content).rows
    assert [r.cells for r in rows] == [
        {"name": "Bob", "email": "b@example.com", "organisation": "", "group": "employees", "language": "zh-hans"}]
    response = client.get(reverse("stakeholders:contact_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("name", "email", "organisation", "group", "language")
    assert values[1][0] == "'=HYPERLINK(1)"


def test_exported_file_imports_back_unchanged(groups, work_team_user):
    Stakeholder.objects.create(name="Ada", email="a@example.com", organisation="Acme", group=groups["customers"])
    client = client_for(work_team_user)
    exported = client.get(reverse("stakeholders:contact_export", args=["csv"])).content
    response = client.post(reverse("stakeholders:contact_import"), upload("contacts.csv", exported), follow=True)
    assert "Import done: 0 new, 0 updated, 1 unchanged." in response.content.decode()


@pytest.mark.parametrize("name,args,params", [
    ("contact_export", ["pdf"], {}),
    ("contact_export", ["csv"], {"group": "nope"}),
    ("contact_template", ["pdf"], {}),
])
def test_bad_download_requests_redirect_with_a_message(groups, work_team_user, name, args, params):
    response = client_for(work_team_user).get(reverse(f"stakeholders:{name}", args=args), params)
    assert response.status_code == 302


def test_template_download_has_the_import_header(groups, work_team_user):
    response = client_for(work_team_user).get(reverse("stakeholders:contact_template", args=["csv"]))
    assert read_csv(response.content).header == ["name", "email", "organisation", "group", "language"]


def test_import_errors_and_pages_read_in_chinese(groups, work_team_user, settings):
    client = client_for(work_team_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(reverse("stakeholders:contact_import"),
                           upload("c.csv", b"name,email,group\nBob,x@,customers\n,z@example.com,nobody\n"))
    page = response.content.decode()
    assert "未导入任何内容" in page
    assert "第 2 行：电子邮箱 &#x27;x@&#x27; 无效" in page
    assert "第 3 行：缺少姓名" in page and "第 3 行：未知群体 &#x27;nobody&#x27;" in page
    assert "需求与期望" in client.get(reverse("stakeholders:group_detail", args=["customers"])).content.decode()
