"""A database whose trail was hashed the old way upgrades without re-hashing: old entries verify, new ones follow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from materiality import audit
from materiality.models import AuditEntry

MIGRATION = next(Path(audit.__file__).parent.joinpath("migrations").glob("*_audit_hash_v2_and_checks.py")).stem


def migrate(target: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_entries_keep_their_hashes_and_get_the_assessment_name_of_their_time():
    executor = MigrationExecutor(connection)
    before = [node.key for node in executor.loader.graph.node_map[("materiality", MIGRATION)].parents
              if node.key[0] == "materiality"]
    old = migrate(before)
    Library, Assessment, Entry = (old.get_model("materiality", name) for name in ("IssueLibrary", "Assessment",
                                                                                  "AuditEntry"))
    library = Library.objects.create(year=2024, name="Library")
    now = dt.datetime(2026, 5, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
    assessment = Assessment.objects.create(slug="dma", name="New name", library=library, opens_at=now, closes_at=now)
    prev, hashes = audit.GENESIS, {}
    for pk, action, obj_type, repr_ in [(3, "assessment.create", "Assessment", "Old name"),
                                        (4, "comment.add", "Comment", "colin: ok"),
                                        (9, "assessment.edit", "Assessment", "New name"),
                                        (10, "run.start", "ScoreRun", "New name #1 (Queued)")]:
        row = {"created_at": now + dt.timedelta(minutes=pk), "actor_name": "wendy", "action": action,
               "object_type": obj_type, "object_id": str(assessment.pk) if obj_type == "Assessment" else "1",
               "object_repr": repr_, "assessment_id": assessment.pk, "before": None, "after": {"n": pk}}
        digest = audit.entry_hash(prev, audit._fields_v1(row))
        Entry.objects.create(pk=pk, prev_hash=prev, hash=digest, **row)
        prev, hashes[pk] = digest, digest

    migrate(executor.loader.graph.leaf_nodes())
    entries = {e.pk: e for e in AuditEntry.objects.all()}
    assert {pk: e.hash for pk, e in entries.items()} == hashes  # never re-hashed
    assert {e.hash_version for e in entries.values()} == {1}
    assert [entries[pk].assessment_name for pk in (3, 4, 9, 10)] == ["Old name", "Old name", "New name", "New name"]
    assert audit.verify().ok
    new = audit.record(None, "run.succeed", after={"respondents": 3})
    assert new.pk == 11 and new.hash_version == 2 and new.prev_hash == hashes[10]
    result = audit.verify()
    assert result.ok and result.checked == 5
