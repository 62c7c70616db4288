"""The audit trail records library changes with before/after, and any later edit of the log is detected."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from materiality import audit, services
from materiality.models import AuditEntry, IssueLibrary, Topic
from materiality.tables import read_csv, write_csv
from tests.conftest import client_for


@pytest.fixture
def edited_library(library_2024: IssueLibrary, work_team_user) -> IssueLibrary:
    new = services.clone_library(library_2024, acting_user=work_team_user)
    topic = new.topics.get(code="S09")
    topic.name_en = "Labour rights"
    services.save_topic(topic, predecessors=topic.predecessors.all(), acting_user=work_team_user)
    services.retire_topic(new.topics.get(code="S06"), acting_user=work_team_user)
    services.publish_library(new, acting_user=work_team_user)
    return new


def test_library_changes_are_recorded_with_who_and_before_after(edited_library, work_team_user):
    actions = list(AuditEntry.objects.filter(actor=work_team_user).values_list("action", flat=True))
    assert actions == ["library.clone", "topic.edit", "topic.retire", "library.publish"]
    edit = AuditEntry.objects.get(action="topic.edit")
    assert edit.actor_name == "wendy"
    assert edit.before["name_en"] == "Employee rights and interests protection"
    assert edit.after["name_en"] == "Labour rights" and edit.after["change_kind"] == "renamed"


def test_saving_an_unchanged_topic_records_nothing(edited_library, work_team_user, library_2024):
    draft = services.clone_library(edited_library, year=2026)
    count = AuditEntry.objects.count()
    topic = draft.topics.get(code="E01")
    services.save_topic(topic, predecessors=topic.predecessors.all(), acting_user=work_team_user)
    assert AuditEntry.objects.count() == count


def test_verify_passes_on_an_untouched_chain(edited_library, capsys):
    call_command("verify_audit")
    assert f"{AuditEntry.objects.count()} entries checked" in capsys.readouterr().out


def test_an_edited_entry_is_detected(edited_library):
    victim = AuditEntry.objects.get(action="topic.edit")
    with connection.cursor() as cursor:  # tamper behind the application's back, as an attacker would
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET actor_name = 'mallory' WHERE id = %s", [victim.pk])
    result = audit.verify()
    assert result.first_bad.pk == victim.pk and "edited" in result.reason
    with pytest.raises(CommandError, match=f"broken at entry {victim.pk}"):
        call_command("verify_audit")


def test_a_removed_entry_is_detected(edited_library):
    victim = AuditEntry.objects.get(action="topic.retire")
    AuditEntry.objects.filter(pk=victim.pk).delete()
    result = audit.verify()
    assert result.first_bad.action == "library.publish" and "removed" in result.reason


def test_audit_page_and_export_by_role(edited_library, work_team_user, committee_user, outsider):
    for user in (work_team_user, committee_user):
        page = client_for(user).get(reverse("materiality:audit_list"))
        assert page.status_code == 200 and "Hash chain intact" in page.content.decode()
        export = client_for(user).get(reverse("materiality:audit_export", args=["csv"]) + "?action=topic")
        rows = read_csv(export.content).rows
        assert [r.cells["action"] for r in rows] == ["topic.edit", "topic.retire"]
    assert client_for(outsider).get(reverse("materiality:audit_list")).status_code == 403


def test_import_records_one_entry_listing_changed_topics(edited_library, work_team_user):
    draft = services.clone_library(edited_library, year=2026)
    header, rows = services.export_topics(draft)
    rows[0][2] = "Climate action"
    services.import_topics(draft, read_csv(write_csv(header, rows)), acting_user=work_team_user)
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "library.import" and entry.after["updated"] == 1
    assert entry.after["topics"][0]["after"]["name_en"] == "Climate action"
    assert Topic.objects.get(library=draft, code="E01").name_en == "Climate action"


def test_audit_page_shows_what_changed(edited_library, committee_user):
    page = client_for(committee_user).get(reverse("materiality:audit_list") + "?action=topic").content.decode()
    assert '<th scope="row" class="fw-normal">Name (English)</th><td class="text-break">Employee rights and interests ' \
           'protection</td><td class="text-break">Labour rights</td>' in page
