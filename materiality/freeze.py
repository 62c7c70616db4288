"""Database triggers that refuse any change to a confirmed assessment's rows: the last line of defence.

Services check `is_confirmed` first and models refuse save()/delete(); these triggers also stop raw SQL, bulk
writes and other code paths. PostgreSQL uses statement-level triggers over transition tables, which cost one
indexed look-up per statement while no assessment is confirmed (the bulk response import stays fast), and once
one is, a comparison of id ranges before any exact check (refuse_if_confirmed); SQLite
uses row triggers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MESSAGE = "assessment is confirmed and frozen"

# table -> SQL giving the assessment id of a row aliased "r"
CHILD_TABLES = {
    "materiality_assessmentgroup": "r.assessment_id",
    "materiality_scorerun": "r.assessment_id",
    "materiality_comment": "r.assessment_id",
    "materiality_classoverride": "r.assessment_id",
    "materiality_approval": "r.assessment_id",
    "materiality_registerentry": "r.assessment_id",
    "materiality_topicscore": "(SELECT s.assessment_id FROM materiality_scorerun s WHERE s.id = r.run_id)",
    "materiality_groupscore": "(SELECT s.assessment_id FROM materiality_scorerun s WHERE s.id = r.run_id)",
    "surveys_response": "r.assessment_id",
    "surveys_rating": "(SELECT p.assessment_id FROM surveys_response p WHERE p.id = r.response_id)",
    # the IRO register and method esrs-1 (issue 12)
    "materiality_iro": "r.assessment_id",
    "materiality_iro_groups": "(SELECT i.assessment_id FROM materiality_iro i WHERE i.id = r.iro_id)",
    "materiality_iro_arises_from": "(SELECT i.assessment_id FROM materiality_iro i WHERE i.id = r.from_iro_id)",
    "materiality_iroevidence": "(SELECT i.assessment_id FROM materiality_iro i WHERE i.id = r.iro_id)",
    "materiality_irorating": "(SELECT i.assessment_id FROM materiality_iro i WHERE i.id = r.iro_id)",
    "materiality_iroscore": "(SELECT s.assessment_id FROM materiality_scorerun s WHERE s.id = r.run_id)",
    "materiality_raterassignment": "r.assessment_id",
    "materiality_raterassignment_topics":
        "(SELECT a.assessment_id FROM materiality_raterassignment a WHERE a.id = r.raterassignment_id)",
    "materiality_ratertoken":
        "(SELECT a.assessment_id FROM materiality_raterassignment a WHERE a.id = r.assignment_id)",
}
CONFIRMED = "SELECT a.id FROM materiality_assessment a WHERE a.confirmed_at IS NOT NULL"
# The child tables reached through a parent row: (parent table, column). PostgreSQL checks them with one semi-join
# over the statement's distinct parents, not one look-up per row (an import writes millions of ratings).
PARENTS = {
    "materiality_topicscore": ("materiality_scorerun", "run_id"),
    "materiality_groupscore": ("materiality_scorerun", "run_id"),
    "surveys_rating": ("surveys_response", "response_id"),
    "materiality_iro_groups": ("materiality_iro", "iro_id"),
    "materiality_iro_arises_from": ("materiality_iro", "from_iro_id"),
    "materiality_iroevidence": ("materiality_iro", "iro_id"),
    "materiality_irorating": ("materiality_iro", "iro_id"),
    "materiality_iroscore": ("materiality_scorerun", "run_id"),
    "materiality_raterassignment_topics": ("materiality_raterassignment", "raterassignment_id"),
    "materiality_ratertoken": ("materiality_raterassignment", "assignment_id"),
}


def touches_confirmed(table: str, rows: str) -> str:
    """PostgreSQL condition: a row of the transition table `rows` belongs to a confirmed assessment."""
    if table in PARENTS:
        parent, column = PARENTS[table]
        return (f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id IN (SELECT r.{column} FROM {rows} r) "
                f"AND p.assessment_id IN ({CONFIRMED}))")
    return f"EXISTS (SELECT 1 FROM {rows} r WHERE r.assessment_id IN ({CONFIRMED}))"


def refuse_if_confirmed(table: str, rows: str) -> str:
    """PL/pgSQL that raises when a row of `rows` belongs to a confirmed assessment.

    A child reached through a parent first compares the statement's range of parent ids with the confirmed
    assessments' parents (one aggregate over the rows, then an index probe per confirmed assessment): an import
    writes its ratings under new responses, numbered after every confirmed cycle's, so the exact semi-join over
    its 2.4 million rows only runs when the ranges overlap (issue 16: it cost 1.7 s once a cycle was confirmed).
    """
    exact = (f"IF {touches_confirmed(table, rows)} THEN\n"
             f"            RAISE EXCEPTION '{MESSAGE} ({table})' USING ERRCODE = 'restrict_violation';\n"
             "        END IF;")
    if table not in PARENTS:
        return exact
    parent, column = PARENTS[table]
    return (f"SELECT min(r.{column}), max(r.{column}) INTO low, high FROM {rows} r;\n"
            f"        IF EXISTS (SELECT 1 FROM {parent} p WHERE p.assessment_id IN ({CONFIRMED}) "
            f"AND p.id BETWEEN low AND high) THEN\n        {exact}\n        END IF;")


def postgresql_sql(tables: list[str] | None = None) -> list[str]:
    """Return the statements that install the PostgreSQL triggers (idempotent) on `tables` (default: all)."""
    sql = [f"""
CREATE OR REPLACE FUNCTION dma_refuse_frozen_assessment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.confirmed_at IS NOT NULL THEN
        RAISE EXCEPTION '{MESSAGE} (id %)', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$""",
        "DROP TRIGGER IF EXISTS dma_freeze ON materiality_assessment",
        "CREATE TRIGGER dma_freeze BEFORE UPDATE OR DELETE ON materiality_assessment "
        "FOR EACH ROW EXECUTE FUNCTION dma_refuse_frozen_assessment()",
    ]
    for table in CHILD_TABLES if tables is None else tables:
        function = f"dma_freeze_{table}"
        sql.append(f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    low bigint;
    high bigint;
BEGIN
    IF NOT EXISTS ({CONFIRMED}) THEN RETURN NULL; END IF;
    -- nested IFs: a transition table missing for this event must not even be planned
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {refuse_if_confirmed(table, "new_rows")}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {refuse_if_confirmed(table, "old_rows")}
    END IF;
    RETURN NULL;
END $$""")
        for event, referencing in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                                   ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
            name = f"dma_freeze_{event.lower()}"
            sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            sql.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    return sql


def postgresql_drop_sql(tables: list[str] | None = None) -> list[str]:
    sql = ["DROP TRIGGER IF EXISTS dma_freeze ON materiality_assessment",
           "DROP FUNCTION IF EXISTS dma_refuse_frozen_assessment()"]
    for table in CHILD_TABLES if tables is None else tables:
        sql += [f"DROP TRIGGER IF EXISTS dma_freeze_{e} ON {table}" for e in ("insert", "update", "delete")]
        sql.append(f"DROP FUNCTION IF EXISTS dma_freeze_{table}()")
    return sql


def row_expr(expr: str, row: str) -> str:
    """Point an expression over the alias "r" at SQLite's OLD or NEW row."""
    return re.sub(r"\br\.", row + ".", expr)


def sqlite_sql(tables: list[str] | None = None) -> list[str]:
    """Return the statements that install the SQLite row triggers on `tables` (default: all)."""
    sql = [
        "DROP TRIGGER IF EXISTS dma_freeze_assessment_update",
        "DROP TRIGGER IF EXISTS dma_freeze_assessment_delete",
        "CREATE TRIGGER dma_freeze_assessment_update BEFORE UPDATE ON materiality_assessment "
        f"WHEN OLD.confirmed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        "CREATE TRIGGER dma_freeze_assessment_delete BEFORE DELETE ON materiality_assessment "
        f"WHEN OLD.confirmed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ]
    for table in CHILD_TABLES if tables is None else tables:
        expr = CHILD_TABLES[table]
        for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
            name = f"dma_freeze_{table}_{event.lower()}"
            condition = " OR ".join(f"({row_expr(expr, row)}) IN ({CONFIRMED})" for row in rows)
            sql.append(f"DROP TRIGGER IF EXISTS {name}")
            sql.append(f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {condition} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({table})'); END")
    return sql


def sqlite_drop_sql(tables: list[str] | None = None) -> list[str]:
    sql = ["DROP TRIGGER IF EXISTS dma_freeze_assessment_update", "DROP TRIGGER IF EXISTS dma_freeze_assessment_delete"]
    for table in CHILD_TABLES if tables is None else tables:
        sql += [f"DROP TRIGGER IF EXISTS dma_freeze_{table}_{e}" for e in ("insert", "update", "delete")]
    return sql


def run_for_vendor(connection: Any, statements: dict[str, Callable[[], list[str]]]) -> None:
    """Run the DDL statements written for this connection's database, one by one (shared with surveys.integrity)."""
    if connection.vendor not in statements:
        return
    with connection.cursor() as cursor:
        for statement in statements[connection.vendor]():
            cursor.execute(statement)


def present_tables(connection: Any) -> list[str]:
    """Return the guarded tables that exist: a migration installs the triggers of the tables made so far, so an
    early migration that re-installs them on a new database skips the tables that later migrations create."""
    existing = set(connection.introspection.table_names())
    return [table for table in CHILD_TABLES if table in existing]


def install(connection: Any) -> None:
    """Create (or re-create) the freeze triggers on this connection's database."""
    tables = present_tables(connection)
    run_for_vendor(connection, {"postgresql": lambda: postgresql_sql(tables), "sqlite": lambda: sqlite_sql(tables)})


def uninstall(connection: Any) -> None:
    """Drop the triggers (the migration's reverse, and tests that must clean up a confirmed assessment)."""
    tables = present_tables(connection)
    run_for_vendor(connection, {"postgresql": lambda: postgresql_drop_sql(tables),
                                "sqlite": lambda: sqlite_drop_sql(tables)})
