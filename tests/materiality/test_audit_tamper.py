"""Tamper evidence: every field is hashed, old entries keep their old formula, and deletions are seen.

Each scenario tampers behind the application's back (raw SQL), as someone with database access would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection

from materiality import audit
from materiality.models import AuditCheck, AuditEntry, IssueLibrary

TABLE = AuditEntry._meta.db_table


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def chain(db: None) -> list[AuditEntry]:
    """Six entries by a user, about an assessment-less library, with before/after."""
    user = User.objects.create(username="wendy")
    library = IssueLibrary.objects.create(year=2030, name="Library 2030")
    return [audit.record(user, "library.publish", library, before={"published": False, "n": i},
                         after={"published": True, "n": i}) for i in range(6)]


def write_v1(action: str, **fields: object) -> AuditEntry:
    """Append an entry hashed the first way, as the code before hash version 2 wrote them."""
    last = AuditEntry.objects.order_by("-pk").first()
    entry = AuditEntry(pk=(last.pk + 3) if last else 7, created_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC),
                       actor_name="wendy", action=action, object_type="IssueLibrary", object_id="1",
                       object_repr="2024: Library", before=None, after={"ok": True}, hash_version=1,
                       prev_hash=last.hash if last else audit.GENESIS, **fields)
    entry.hash = audit.entry_hash(entry.prev_hash, audit._fields_v1(audit._row(entry)))
    entry.save(force_insert=True)
    return entry


def tampered_value(field: object, entry: AuditEntry) -> object:
    """A different value of the right type for one column."""
    values = {
        "id": entry.pk + 1000, "created_at": entry.created_at + dt.timedelta(seconds=1), "actor_id": entry.actor_id + 1,
        "assessment_id": 999, "before": '{"published": true}', "after": '{"published": false}', "hash_version": 1,
        "prev_hash": "f" * 64,
    }
    return values.get(field.attname, "mallory")


COVERED = [f.attname for f in AuditEntry._meta.concrete_fields if f.attname != "hash"]


@pytest.mark.parametrize("column", COVERED)
def test_every_field_of_an_entry_is_covered_by_the_chain(chain, column):
    victim = chain[3]
    field = AuditEntry._meta.get_field(column)
    sql(f"UPDATE {TABLE} SET {field.column} = %s WHERE id = %s", [tampered_value(field, victim), victim.pk])
    result = audit.verify()
    assert not result.ok and result.checked == 3, (column, result)  # the three entries before it are intact
    assert result.failed_seq in (victim.pk, victim.pk + 1), (column, result)  # a renumbered entry leaves a gap


def test_the_actor_is_covered(chain):
    other = User.objects.create(username="mallory")
    sql(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [other.pk, chain[2].pk])
    result = audit.verify()
    assert result.first_bad.pk == chain[2].pk and "edited" in result.reason


def test_old_entries_keep_their_old_hash_and_new_ones_follow_them(db):
    old = [write_v1("library.publish"), write_v1("topic.edit")]
    new = audit.record(None, "library.publish", after={"published": True})
    assert [e.hash_version for e in AuditEntry.objects.order_by("pk")] == [1, 1, 2]
    assert new.pk == old[-1].pk + 1 and new.prev_hash == old[-1].hash
    assert AuditEntry.objects.get(pk=old[0].pk).hash == old[0].hash  # never re-hashed
    result = audit.verify()
    assert result.ok and result.checked == 3 and result.head == audit.Head(new.pk, new.hash)


def test_an_old_entry_is_still_checked_by_the_old_formula(db):
    victim = write_v1("library.publish")
    write_v1("topic.edit")
    sql(f"UPDATE {TABLE} SET object_repr = 'forged' WHERE id = %s", [victim.pk])
    assert audit.verify().first_bad.pk == victim.pk


def test_a_new_entry_rehashed_the_old_way_is_refused(chain):
    """Downgrading an entry to the weaker formula (which ignores the actor) is itself evidence."""
    victim = chain[-1]
    row = {**audit._row(victim), "hash_version": 1, "actor_name": "mallory"}
    forged = audit.entry_hash(victim.prev_hash, audit._fields_v1(row))
    sql(f"UPDATE {TABLE} SET hash_version = 1, actor_name = 'mallory', hash = %s WHERE id = %s", [forged, victim.pk])
    result = audit.verify()
    assert result.first_bad.pk == victim.pk and "old way" in result.reason


def test_a_removed_middle_entry_names_the_gap(chain):
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [chain[2].pk])
    result = audit.verify()
    assert result.first_bad.pk == chain[3].pk and result.problem == "gap"
    assert f"{chain[2].pk} to {chain[2].pk}" in result.reason and "removed" in result.reason


def test_a_deleted_first_entry_is_detected(chain):
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [chain[0].pk])
    assert audit.verify().first_bad.pk == chain[1].pk


# --- deletions from the end: only a head kept elsewhere can see them -----------------------------------------------


def test_without_an_anchor_a_cut_chain_still_links_up(chain):
    """Why the anchors exist: the table alone cannot tell a shorter chain from a cut one."""
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [chain[-1].pk])
    assert audit.verify().ok


def test_deleting_the_last_entry_is_detected_by_an_earlier_check(chain, capsys):
    call_command("verify_audit")
    first = capsys.readouterr().out
    assert f"Head: {chain[-1].pk}:{chain[-1].hash}" in first and "6 entries checked" in first
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [chain[-1].pk])
    with pytest.raises(CommandError, match=f"chain ends at entry {chain[-2].pk}, before entry {chain[-1].pk}"):
        call_command("verify_audit")
    assert f"Head: {chain[-2].pk}:{chain[-2].hash}" in capsys.readouterr().out
    latest = AuditCheck.objects.order_by("-pk").first()
    assert not latest.is_ok and latest.problem == "cut" and latest.head_seq == chain[-2].pk


def test_deleting_every_entry_is_detected_by_an_earlier_check(chain):
    audit.check_chain(full=True)
    sql(f"DELETE FROM {TABLE}")
    result, _ = audit.check_chain(full=True)
    assert result.problem == "emptied" and "all entries were deleted" in result.reason
    assert result.head == audit.EMPTY
    incremental, _ = audit.check_chain(full=False)
    assert incremental.problem == "emptied"


def test_the_incremental_check_sees_a_cut_below_the_verified_head(chain):
    audit.check_chain(full=False)
    sql(f"DELETE FROM {TABLE} WHERE id >= %s", [chain[3].pk])
    result, check = audit.check_chain(full=False)
    assert result.problem == "cut" and check is not None and not check.is_ok


def test_a_chain_rewritten_after_an_edit_is_detected_by_the_anchor(chain):
    """A capable attacker edits an entry and recomputes every hash after it: the links all match again."""
    audit.check_chain(full=True)
    sql(f"UPDATE {TABLE} SET actor_name = 'mallory' WHERE id = %s", [chain[1].pk])
    prev = chain[0].hash
    for entry in AuditEntry.objects.filter(pk__gte=chain[1].pk).order_by("pk"):
        row = {**audit._row(entry), "prev_hash": prev}
        digest = audit.computed_hash(row)
        sql(f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, entry.pk])
        prev = digest
    assert audit.verify().ok  # the table alone is consistent
    result, _ = audit.check_chain(full=True)
    assert result.problem == "rewritten" and result.first_bad.pk == chain[-1].pk
    incremental, _ = audit.check_chain(full=False)
    assert incremental.problem == "rewritten"


def test_expect_compares_the_chain_with_a_head_printed_earlier(chain, capsys):
    call_command("verify_audit")
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Head: ")][0]
    kept = printed.removeprefix("Head: ")
    AuditCheck.objects.all().delete()  # the anchor table is gone too: only the printed head is left
    call_command("verify_audit", "--expect", kept)
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [chain[-1].pk])
    with pytest.raises(CommandError, match=f"--expect {kept}"):
        call_command("verify_audit", "--expect", kept)


def test_expect_refuses_a_malformed_head(chain):
    with pytest.raises(CommandError, match="SEQ:HASH"):
        call_command("verify_audit", "--expect", "12:not-a-hash")
    assert not AuditCheck.objects.exists()


def test_expect_a_head_the_chain_never_had(chain):
    with pytest.raises(CommandError, match="not the entry"):
        call_command("verify_audit", "--expect", f"{chain[2].pk}:{'a' * 64}")


def test_head_reads_back_what_it_prints(chain):
    head = audit.head()
    assert audit.Head.parse(str(head)) == head == audit.Head(chain[-1].pk, chain[-1].hash)
    assert audit.Head.parse(f" {head.seq}:{head.hash.upper()} ") == head


# --- anchor sources: heads other records keep ----------------------------------------------------------------------

KEPT: list[audit.Head] = []


def kept_heads() -> list[audit.Head]:
    return KEPT


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(audit, "ANCHOR_SOURCES", [])
    audit.register_anchor_source("tests.materiality.test_audit_tamper.kept_heads")
    audit.register_anchor_source("tests.materiality.test_audit_tamper.kept_heads")  # idempotent
    assert audit.ANCHOR_SOURCES == ["tests.materiality.test_audit_tamper.kept_heads"]
    yield KEPT
    KEPT.clear()


def test_a_registered_source_is_checked_by_the_command_and_the_page_check(chain, registered):
    registered.append(audit.Head(chain[-1].pk, chain[-1].hash, "the confirmation of DMA 2030"))
    call_command("verify_audit")
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [chain[-1].pk])
    AuditCheck.objects.all().delete()
    with pytest.raises(CommandError, match="that the confirmation of DMA 2030 saw"):
        call_command("verify_audit")
    result, _ = audit.check_chain(full=False)
    assert result.problem == "cut" and "the confirmation of DMA 2030" in result.reason


def test_verify_takes_any_iterable_of_heads(chain):
    heads = (audit.Head(e.pk, e.hash, f"record {e.pk}") for e in chain[:3])
    assert audit.verify(heads).anchors == 3
    missing = audit.verify([audit.Head(chain[-1].pk + 5, "b" * 64, "the pack")])
    assert missing.problem == "cut" and "the pack" in missing.reason


# --- the incremental check and what it records -------------------------------------------------------------------


def test_the_incremental_check_walks_only_new_entries_and_records_its_head(chain):
    result, check = audit.check_chain(full=False)
    assert result.ok and result.checked == 6 and check.head_seq == chain[-1].pk and not check.is_full
    again, none = audit.check_chain(full=False)
    assert again.ok and again.checked == 0 and none is None  # nothing new: nothing stored
    newer = audit.record(None, "library.publish", after={"published": True})
    third, check = audit.check_chain(full=False)
    assert third.checked == 1 and third.start.seq == chain[-1].pk and check.head_seq == newer.pk


def test_the_incremental_check_trusts_what_was_verified_but_the_full_one_does_not(chain):
    audit.check_chain(full=False)
    sql(f"UPDATE {TABLE} SET object_repr = 'forged' WHERE id = %s", [chain[1].pk])
    assert audit.check_chain(full=False)[0].ok  # entries below the verified head are not walked again
    full, check = audit.check_chain(full=True)
    assert full.first_bad.pk == chain[1].pk and check.is_full and not check.is_ok


def test_the_incremental_check_stops_at_its_limit_and_goes_on_next_time(chain):
    first, check = audit.check_chain(full=False, limit=4)
    assert first.ok and first.checked == 4 and first.remaining == 2 and check.head_seq == chain[3].pk
    second, _ = audit.check_chain(full=False, limit=4)
    assert second.ok and second.checked == 2 and second.remaining == 0 and second.head.seq == chain[-1].pk


def test_a_check_records_who_ran_it(chain):
    user = User.objects.create(username="colin")
    _, check = audit.check_chain(full=True, by=user)
    assert check.checked_by == user and check.checked_by_name == "colin" and check.entries_checked == 6
    _, by_command = audit.check_chain(full=True)
    assert by_command.checked_by is None and by_command.checked_by_name.startswith("verify_audit (")


def test_deleting_the_user_or_the_assessment_leaves_the_chain_intact(assessment, work_team_user):
    audit.record(work_team_user, "assessment.edit", assessment, assessment=assessment, before={"n": 1}, after={"n": 2})
    work_team_user.delete()
    assessment.delete()
    entry = AuditEntry.objects.get(action="assessment.edit")
    assert entry.actor_id is not None and entry.assessment_id is not None and entry.assessment_name == "DMA 2024"
    assert audit.verify().ok
