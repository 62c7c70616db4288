"""Triggers that keep surveys_submittedtally equal to each assessment's count of submitted responses.

Every write path (the respondent's submit, the imports, the admin, raw SQL, a cascade) goes through
surveys_response, so the count is kept there rather than in each service. PostgreSQL: one statement trigger
per event adds the statement's net change per assessment to the writing connection's shard (an import of
100,000 responses is one upsert, into a shard of its own; concurrent submits from other connections touch other
rows). SQLite: row triggers on one shard; a decrement only updates an existing row, so a flush that empties the
tally first leaves nothing behind.

SQLite drops a table's triggers when it rebuilds the table: a migration that rebuilds surveys_response calls
integrity.uninstall_all_triggers / install_all_triggers, which install these again once the tally exists.
"""

from __future__ import annotations

from typing import Any

from materiality import freeze

TABLE = "surveys_submittedtally"
SHARDS = 8
# A statement that changes more responses of one assessment than this adds to a shard of its own, as does every
# statement of a transaction that declared itself a bulk writer (an import, however few respondents it adds): it
# holds that row until its long transaction commits, and no respondent's submit should wait for it.
BULK = 1000
BULK_SETTING = "dma.tally_shard"
SUBMITTED = "'submitted'"

_UPSERT = (f"INSERT INTO {TABLE} (assessment_id, shard, submitted) {{rows}} "
           f"ON CONFLICT (assessment_id, shard) DO UPDATE SET submitted = {TABLE}.submitted + EXCLUDED.submitted")


def _changes(select: str) -> str:
    """Sum the +1/-1 rows of `select` per assessment, in id order (two statements lock shared rows alike)."""
    shard = (f"COALESCE(NULLIF(current_setting('{BULK_SETTING}', true), '')::smallint, "
             f"CASE WHEN count(*) > {BULK} THEN {SHARDS} ELSE pg_backend_pid() % {SHARDS} END)")
    return (f"SELECT assessment_id, {shard}, sum(d) FROM ({select}) AS c "
            "GROUP BY assessment_id HAVING sum(d) <> 0 ORDER BY assessment_id")


def postgresql_sql() -> list[str]:
    added = f"SELECT assessment_id, 1 AS d FROM new_rows WHERE status = {SUBMITTED}"
    removed = f"SELECT assessment_id, -1 AS d FROM old_rows WHERE status = {SUBMITTED}"
    sql = [f"""
CREATE OR REPLACE FUNCTION dma_response_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_UPSERT.format(rows=_changes(added))};
    ELSIF TG_OP = 'DELETE' THEN
        {_UPSERT.format(rows=_changes(removed))};
    ELSE
        {_UPSERT.format(rows=_changes(added + " UNION ALL " + removed))};
    END IF;
    RETURN NULL;
END $$"""]
    for event, tables in (("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                          ("DELETE", "OLD TABLE AS old_rows")):
        trigger = f"dma_response_tally_{event.lower()}"
        sql += [f"DROP TRIGGER IF EXISTS {trigger} ON surveys_response",
                f"CREATE TRIGGER {trigger} AFTER {event} ON surveys_response REFERENCING {tables} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dma_response_tally()"]
    return sql


def postgresql_drop_sql() -> list[str]:
    return ([f"DROP TRIGGER IF EXISTS dma_response_tally_{e} ON surveys_response" for e in ("insert", "update", "delete")]
            + ["DROP FUNCTION IF EXISTS dma_response_tally()"])


def sqlite_sql() -> list[str]:
    add = (f"INSERT INTO {TABLE} (assessment_id, shard, submitted) VALUES (NEW.assessment_id, 0, 1) "
           f"ON CONFLICT (assessment_id, shard) DO UPDATE SET submitted = submitted + 1;")
    remove = f"UPDATE {TABLE} SET submitted = submitted - 1 WHERE assessment_id = OLD.assessment_id AND shard = 0;"
    triggers = {
        "insert": f"AFTER INSERT ON surveys_response WHEN NEW.status = {SUBMITTED} BEGIN {add} END",
        "delete": f"AFTER DELETE ON surveys_response WHEN OLD.status = {SUBMITTED} BEGIN {remove} END",
        "update_from": (f"AFTER UPDATE OF status, assessment_id ON surveys_response WHEN OLD.status = {SUBMITTED} "
                        f"AND (NEW.status <> {SUBMITTED} OR NEW.assessment_id <> OLD.assessment_id) BEGIN {remove} END"),
        "update_to": (f"AFTER UPDATE OF status, assessment_id ON surveys_response WHEN NEW.status = {SUBMITTED} "
                      f"AND (OLD.status <> {SUBMITTED} OR NEW.assessment_id <> OLD.assessment_id) BEGIN {add} END"),
    }
    sql = []
    for name, body in triggers.items():
        sql += [f"DROP TRIGGER IF EXISTS dma_response_tally_{name}", f"CREATE TRIGGER dma_response_tally_{name} {body}"]
    return sql


def sqlite_drop_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS dma_response_tally_{n}" for n in ("insert", "delete", "update_from", "update_to")]


def recount(connection: Any, assessment_id: int | None = None) -> None:
    """Set the tally of one assessment (or of all) from the responses themselves, on shard 0."""
    where, params = ("WHERE assessment_id = %s", [assessment_id]) if assessment_id is not None else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} {where}", params)
        cursor.execute(f"INSERT INTO {TABLE} (assessment_id, shard, submitted) SELECT assessment_id, 0, count(*) "
                       f"FROM surveys_response {where} {'AND' if where else 'WHERE'} status = {SUBMITTED} "
                       "GROUP BY assessment_id", params)


def bulk_writer(connection: Any) -> None:
    """Send the rest of this transaction's tally changes to the bulk shard (PostgreSQL; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {BULK_SETTING} = '{SHARDS}'")


def recount_after_loading(sender: Any, instance: Any, raw: bool = False, using: str = "default",
                          **kwargs: Any) -> None:
    """post_save of a tally row: when loaddata (or a test's serialized rollback) writes one, set its assessment's
    tally from the responses instead. Their insert triggers have counted them already, so a loaded row would
    count them twice; recounting on each loaded row gives the right total in whichever order the fixture is."""
    if raw:
        from django.db import connections

        recount(connections[using], instance.assessment_id)


def installed_here(connection: Any) -> bool:
    """The tally table exists (migrations before it install the other triggers without it)."""
    return TABLE in connection.introspection.table_names()


def install(connection: Any) -> None:
    freeze.run_for_vendor(connection, {"postgresql": postgresql_sql, "sqlite": sqlite_sql})


def uninstall(connection: Any) -> None:
    freeze.run_for_vendor(connection, {"postgresql": postgresql_drop_sql, "sqlite": sqlite_drop_sql})


def install_and_recount(apps: Any, schema_editor: Any) -> None:
    """Migration step: install the triggers and count what is already stored."""
    install(schema_editor.connection)
    recount(schema_editor.connection)


def uninstall_step(apps: Any, schema_editor: Any) -> None:
    uninstall(schema_editor.connection)
