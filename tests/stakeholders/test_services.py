"""Registry actions: imports write all or nothing, re-imports update, anonymising is for good, used groups stay."""

from __future__ import annotations

import pytest

from materiality import services as library_services
from materiality.models import IssueLibrary
from materiality.tables import read_csv
from stakeholders import services
from stakeholders.models import Stakeholder, StakeholderGroup


@pytest.fixture
def groups(library_2024: IssueLibrary) -> dict[str, StakeholderGroup]:
    return {g.code: g for g in StakeholderGroup.objects.all()}


def table(text: str):
    return read_csv(text.encode())


GOOD = (
    "name,email,organisation,group,language\n"
    "Chan Tai Man,taiman@example.com,Acme,customers,zh\n"
    "Alice Wong,alice@example.org,,employees,\n"
)


def test_shipped_groups_are_the_nine_of_the_report(groups):
    assert list(groups) == ["customers", "shareholders", "employees", "government", "suppliers", "community",
                            "industry", "management", "esg_experts"]
    assert groups["management"].is_internal and not groups["customers"].is_internal


def test_import_creates_contacts_and_a_second_import_changes_nothing(groups):
    assert services.import_contacts(table(GOOD)) == services.ImportSummary(created=2)
    chan = Stakeholder.objects.get(email="taiman@example.com")
    assert (chan.name, chan.organisation, chan.group.code, chan.language) == ("Chan Tai Man", "Acme", "customers", "zh-hans")
    assert services.import_contacts(table(GOOD)) == services.ImportSummary(unchanged=2)
    assert Stakeholder.objects.count() == 2


def test_a_known_email_updates_that_contact(groups):
    services.import_contacts(table(GOOD))
    original = Stakeholder.objects.get(email="alice@example.org")
    summary = services.import_contacts(table("name,email,group,language\nAlice Wong-Li,ALICE@example.org,management,en\n"))
    assert summary == services.ImportSummary(updated=1)
    alice = Stakeholder.objects.get(pk=original.pk)
    assert (alice.name, alice.group.code, alice.organisation) == ("Alice Wong-Li", "management", "")


def test_a_matching_email_stored_in_other_case_is_updated_not_duplicated(groups):
    Stakeholder.objects.create(name="Bob", email="Bob@Example.com", group=groups["customers"])
    services.import_contacts(table("name,email,group\nRobert,bob@example.com,customers\n"))
    assert list(Stakeholder.objects.values_list("name", flat=True)) == ["Robert"]


def test_rows_without_email_match_by_name_and_group(groups):
    text = "name,email,group\nDoris,,community\nEd,,community\n"
    assert services.import_contacts(table(text)).created == 2
    assert services.import_contacts(table(text)).unchanged == 2
    assert Stakeholder.objects.filter(email="").count() == 2


def test_one_bad_line_imports_nothing_and_names_every_bad_line(groups):
    Stakeholder.objects.create(name="Keep", email="alice@example.org", group=groups["employees"])
    bad = GOOD + "Bad,not-an-email,,customers,en\nUnknown,u@example.com,,investors,en\n"
    with pytest.raises(services.ImportRefused) as refused:
        services.import_contacts(table(bad))
    assert [str(e) for e in refused.value.errors] == [
        "line 4: e-mail 'not-an-email' is not valid",
        "line 5: group 'investors' is unknown; use one of community, customers, employees, esg_experts, "
        "government, industry, management, shareholders, suppliers",
    ]
    assert list(Stakeholder.objects.values_list("name", flat=True)) == ["Keep"]


def test_anonymise_clears_personal_data_once_and_keeps_the_row(groups):
    contact = Stakeholder.objects.create(name="Ada", email="ada@example.com", organisation="Acme",
                                         group=groups["customers"])
    assert services.anonymise_contact(contact) is True
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.organisation) == ("", "", "")
    assert contact.is_anonymised and contact.group.code == "customers"
    stamp = contact.anonymised_at
    assert services.anonymise_contact(contact) is False
    contact.refresh_from_db()
    assert contact.anonymised_at == stamp
    # the address is free again for a new contact
    Stakeholder.objects.create(name="Ada again", email="ada@example.com", group=groups["customers"])


def test_anonymised_contacts_are_left_out_of_the_export(groups):
    services.import_contacts(table(GOOD))
    services.anonymise_contact(Stakeholder.objects.get(email="alice@example.org"))
    header, rows = services.export_contacts()
    assert header == ["name", "email", "organisation", "group", "language"]
    assert rows == [["Chan Tai Man", "taiman@example.com", "Acme", "customers", "zh-hans"]]
    assert services.export_contacts(groups["employees"])[1] == []


def test_a_group_with_contacts_or_an_assessment_cannot_be_deleted(assessment, groups):
    Stakeholder.objects.create(name="Ada", email="ada@example.com", group=groups["community"])
    with pytest.raises(services.GroupInUse) as refused:
        services.delete_group(groups["community"])
    assert refused.value.reasons == [
        "It has 1 contact: move or delete it first.",
        "It takes part in the assessment(s) DMA 2024.",
    ]
    assert StakeholderGroup.objects.filter(code="community").exists()


def test_an_unused_group_is_deleted(groups):
    group = services.save_group(StakeholderGroup(code="investors", name_en="Investors"))
    assert group.position == 10
    services.delete_group(group)
    assert not StakeholderGroup.objects.filter(code="investors").exists()


def test_needs_topics_are_named_from_the_latest_library_that_has_them(library_2024):
    library_2025 = library_services.clone_library(library_2024)
    library_2025.topics.filter(code="E01").update(name_en="Climate action", name_zh="气候行动")
    names = services.topic_names(["E01", "S07", "ZZ9"], "en")
    assert names[0] == ("E01", "Climate action")
    assert names[1] == ("S07", library_2024.topics.get(code="S07").name_en)
    assert names[2] == ("ZZ9", "")
    assert services.topic_names(["E01"], "zh-hans") == [("E01", "气候行动")]


def test_two_rows_without_email_and_the_same_name_are_two_contacts(groups):
    text = "name,email,group\nDoris,,community\nDoris,,community\n"
    assert services.import_contacts(table(text)).created == 2
    assert services.import_contacts(table(text)) == services.ImportSummary(unchanged=2)
    assert Stakeholder.objects.filter(name="Doris").count() == 2


def test_a_large_import_uses_a_few_queries(groups, django_assert_max_num_queries):
    lines = "".join(f"Person {i},p{i}@example.com,,customers,en\n" for i in range(1200))
    with django_assert_max_num_queries(20):  # batched inserts: SQLite takes about 200 rows per statement
        summary = services.import_contacts(table("name,email,organisation,group,language\n" + lines))
    assert summary.created == 1200 and Stakeholder.objects.count() == 1200


def test_saving_a_contact_whose_email_was_just_taken_is_refused(groups):
    Stakeholder.objects.create(name="First", email="same@example.com", group=groups["customers"])
    with pytest.raises(services.EmailTaken):
        services.save_contact(Stakeholder(name="Second", email="same@example.com", group=groups["customers"]))
    assert Stakeholder.objects.count() == 1
