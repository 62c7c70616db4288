"""The references of surveys_rating and surveys_response to their parent rows, checked once per statement.

A rating row points at a response and a topic; a response at its questionnaire, assessment, group and invitation.
A foreign key would check each new row on its own: at 2.4 million imported ratings that is 4.8 million look-ups
at COMMIT, measured at 16 s against a 1 s COPY of the same file (and 0.77 s for the 100,000 responses' four keys).
These triggers check the same rules once per statement instead, on the distinct ids a statement writes: every
referenced row exists and is locked FOR KEY SHARE, as a foreign key locks it, so that a concurrent delete waits;
and on PostgreSQL a parent row still referenced cannot be deleted or renumbered. A NULL reference (a response
without an invitation) is not checked, as a foreign key does not check it. The ORM's on_delete rules are
unchanged: Django deletes or nulls the children before it deletes their parent.

SQLite (the demo and development database) gets row triggers for the child side only: its flush deletes tables
in no fixed order, which a delete-side trigger would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from materiality import freeze
from surveys import tally

# child table -> {column: parent table}
REFERENCES = {
    "surveys_rating": {"response_id": "surveys_response", "topic_id": "materiality_topic"},
    "surveys_response": {
        "questionnaire_id": "surveys_questionnaire",
        "assessment_id": "materiality_assessment",
        "group_id": "stakeholders_stakeholdergroup",
        "invitation_id": "surveys_invitation",
    },
}


def short(child: str) -> str:
    """The child table's name without its app prefix, as the trigger names use it (surveys_rating -> rating)."""
    return child.split("_", 1)[1]


def _violation(child: str, column: str, parent: str) -> str:
    return (f"RAISE EXCEPTION 'insert or update on table \"{child}\" violates the reference of {column} to "
            f"{parent}' USING ERRCODE = 'foreign_key_violation';")


def check_function_sql(child: str) -> str:
    """PostgreSQL: the statement trigger function that checks and locks every parent the new rows refer to.

    One pass over the statement's rows collects the distinct ids of all its references at once (grouping sets);
    each parent table is then joined with that small set only. A parent row this transaction wrote (its visible
    version has the transaction's xmin) is only counted: nobody else sees it before the commit, or, if it was
    updated, our own row lock already makes a delete wait. That spares an import the lock of each of its 100,000
    new responses (a write to every row, issue 16.2); a respondent's submit has updated its response first.
    """
    references = REFERENCES[child]
    columns = list(references)
    sets = ", ".join(f"({column})" for column in columns)
    # In the grouping set of one column the other columns are NULL, so count(column) counts its distinct ids.
    seen = ",\n             ".join(
        f"seen_{i} AS (SELECT p.id, p.xmin = pg_current_xact_id()::xid AS own FROM {references[column]} p "
        f"JOIN ids ON ids.{column} = p.id),\n"
        f"             locked_{i} AS (SELECT p.id FROM {references[column]} p "
        f"WHERE p.id IN (SELECT id FROM seen_{i} WHERE NOT own) FOR KEY SHARE OF p)"
        for i, column in enumerate(columns))
    wanted = ", ".join(f"(SELECT count({column}) FROM ids)" for column in columns)
    found = ", ".join(f"(SELECT count(*) FILTER (WHERE own) FROM seen_{i}) + (SELECT count(*) FROM locked_{i})"
                      for i in range(len(columns)))
    raises = "\n".join(f"    IF found[{i + 1}] < wanted[{i + 1}] THEN {_violation(child, column, references[column])} "
                       "END IF;" for i, column in enumerate(columns))
    listed = ", ".join(columns)

    def check(rows: str) -> str:
        return (f"WITH ids AS MATERIALIZED (SELECT {listed} FROM {rows} GROUP BY GROUPING SETS ({sets})),\n"
                f"             {seen}\n        SELECT ARRAY[{wanted}], ARRAY[{found}] INTO wanted, found;")

    # An UPDATE checks (and locks) only references it changes, as a foreign key does: an autosave that rewrites
    # a draft's answers takes no lock on its parents.
    return f"""
CREATE OR REPLACE FUNCTION dma_{short(child)}_references() RETURNS trigger LANGUAGE plpgsql
SET work_mem = '64MB' AS $$
DECLARE
    wanted bigint[];
    found bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        {check(f"(SELECT {listed} FROM new_rows EXCEPT SELECT {listed} FROM old_rows) AS changed")}
    ELSE
        {check("new_rows")}
    END IF;
{raises}
    RETURN NULL;
END $$"""


def parent_function_sql(child: str, column: str, parent: str) -> str:
    """PostgreSQL: the trigger function that refuses deleting or renumbering a parent row a child still refers to."""
    return f"""
CREATE OR REPLACE FUNCTION dma_{short(child)}_referenced_{parent}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.id <> NEW.id AND EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.id) THEN
            RAISE EXCEPTION '{child} still refers to {parent} %', OLD.id USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} IN (SELECT id FROM old_rows)) THEN
        RAISE EXCEPTION '{child} still refers to deleted rows of {parent}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$"""


def postgresql_sql(tables: Iterable[str] = REFERENCES) -> list[str]:
    """Return the statements that install the PostgreSQL triggers of these child tables (idempotent)."""
    sql = []
    for child in tables:
        name = short(child)
        sql.append(check_function_sql(child))
        for event in ("INSERT", "UPDATE"):
            trigger = f"dma_{name}_references_{event.lower()}"
            sql.append(f"DROP TRIGGER IF EXISTS {trigger} ON {child}")
            tables = "OLD TABLE AS old_rows NEW TABLE AS new_rows" if event == "UPDATE" else "NEW TABLE AS new_rows"
            sql.append(f"CREATE TRIGGER {trigger} AFTER {event} ON {child} REFERENCING {tables} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION dma_{name}_references()")
        for column, parent in REFERENCES[child].items():
            function = f"dma_{name}_referenced_{parent}"
            sql += [
                parent_function_sql(child, column, parent),
                f"DROP TRIGGER IF EXISTS dma_{name}_referenced_delete ON {parent}",
                f"CREATE TRIGGER dma_{name}_referenced_delete AFTER DELETE ON {parent} "
                f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
                f"DROP TRIGGER IF EXISTS dma_{name}_referenced_update ON {parent}",
                f"CREATE TRIGGER dma_{name}_referenced_update BEFORE UPDATE OF id ON {parent} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            ]
    return sql


def postgresql_drop_sql(tables: Iterable[str] = REFERENCES) -> list[str]:
    sql = []
    for child in tables:
        name = short(child)
        sql += [f"DROP TRIGGER IF EXISTS dma_{name}_references_{e} ON {child}" for e in ("insert", "update")]
        sql.append(f"DROP FUNCTION IF EXISTS dma_{name}_references()")
        for parent in REFERENCES[child].values():
            sql += [f"DROP TRIGGER IF EXISTS dma_{name}_referenced_{e} ON {parent}" for e in ("delete", "update")]
            sql.append(f"DROP FUNCTION IF EXISTS dma_{name}_referenced_{parent}()")
    return sql


def sqlite_sql(tables: Iterable[str] = REFERENCES) -> list[str]:
    """Return the statements that install the SQLite row triggers (child side only; see the module's note)."""
    sql = []
    for child in tables:
        references = REFERENCES[child]
        missing = " OR ".join(f"(NEW.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} "
                              f"WHERE id = NEW.{column}))" for column, parent in references.items())
        for event in ("INSERT", f"UPDATE OF {', '.join(references)}"):
            trigger = f"dma_{short(child)}_references_{event.split()[0].lower()}"
            sql.append(f"DROP TRIGGER IF EXISTS {trigger}")
            sql.append(f"CREATE TRIGGER {trigger} BEFORE {event} ON {child} WHEN {missing} "
                       f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed ({child})'); END")
    return sql


def sqlite_drop_sql(tables: Iterable[str] = REFERENCES) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS dma_{short(child)}_references_{e}" for child in tables for e in ("insert", "update")]


def install(connection: Any, tables: Iterable[str] = REFERENCES) -> None:
    """Create (or re-create) the reference triggers of these child tables on this connection's database."""
    tables = list(tables)
    freeze.run_for_vendor(connection, {"postgresql": lambda: postgresql_sql(tables), "sqlite": lambda: sqlite_sql(tables)})


def uninstall(connection: Any, tables: Iterable[str] = REFERENCES) -> None:
    tables = list(tables)
    freeze.run_for_vendor(connection, {"postgresql": lambda: postgresql_drop_sql(tables),
                                "sqlite": lambda: sqlite_drop_sql(tables)})


def uninstall_all_triggers(apps: Any, schema_editor: Any) -> None:
    """Migration step: drop the reference, freeze and tally triggers, so SQLite may rebuild a table they name."""
    uninstall(schema_editor.connection)
    freeze.uninstall(schema_editor.connection)
    tally.uninstall(schema_editor.connection)


def install_all_triggers(apps: Any, schema_editor: Any) -> None:
    """Migration step: install the freeze, reference and tally triggers again (reverse of uninstall_all_triggers).

    The tally's only once its table exists: earlier migrations run this on a new database before it does.
    """
    freeze.install(schema_editor.connection)
    install(schema_editor.connection)
    if tally.installed_here(schema_editor.connection):
        tally.install(schema_editor.connection)
