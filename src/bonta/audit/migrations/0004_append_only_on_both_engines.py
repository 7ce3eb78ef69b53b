"""The database itself keeps the audit log append-only, on SQLite as on PostgreSQL.

- audit events: UPDATE always refused; DELETE (and on PostgreSQL TRUNCATE) refused unless the
  test flush guard is set (below);
- the chain head: never moves back (a lower seq is refused), and is not deleted unless the
  guard is set.

**The flush guard** (`bonta_flush_guard`, at most one row, no model): while it holds a row,
DELETE and TRUNCATE of guarded rows are let through. It exists for one caller only: the test
suite's database flush between transactional tests (tests/conftest.py wraps Django's
`execute_sql_flush` to insert the row, flush and remove it in one transaction). SQLite's
flush is `DELETE FROM` every table, which fires row triggers; PostgreSQL's is `TRUNCATE`,
which this migration also guards. No application code writes the table, and no model maps
it. It is not a security boundary against someone who can run SQL as the table owner — they
could drop a trigger just as well; the keyed audit chain and checkpoints (bonta.audit.chain)
are what detect that. It stops the application, a bulk ORM call or a stray raw statement.

The generic functions made here (`bonta_refuse`, `bonta_refuse_unless_flushing`) are used by
the records triggers too (records 0004). Trigger messages are their first argument.
"""

from django.db import migrations

GUARD_TABLE = "CREATE TABLE bonta_flush_guard (id integer PRIMARY KEY CHECK (id = 1))"

POSTGRESQL = (
    [
        GUARD_TABLE,
        """
        CREATE OR REPLACE FUNCTION bonta_refuse() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% (% refused)', TG_ARGV[0], TG_OP;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE FUNCTION bonta_refuse_unless_flushing() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM bonta_flush_guard) THEN
                RETURN OLD;  -- NULL for TRUNCATE (a statement trigger): ignored there
            END IF;
            RAISE EXCEPTION '% (% refused)', TG_ARGV[0], TG_OP;
        END;
        $$ LANGUAGE plpgsql
        """,
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
        """
        CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION bonta_refuse('audit events are append-only')
        """,
        """
        CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION bonta_refuse_unless_flushing('audit events are append-only')
        """,
        """
        CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
        FOR EACH STATEMENT
        EXECUTE FUNCTION bonta_refuse_unless_flushing('audit events are append-only')
        """,
        """
        CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_chainhead
        FOR EACH ROW WHEN (NEW.seq < OLD.seq)
        EXECUTE FUNCTION bonta_refuse('the audit chain head only moves forward')
        """,
        """
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_chainhead
        FOR EACH ROW
        EXECUTE FUNCTION bonta_refuse_unless_flushing('the audit chain head cannot be removed')
        """,
        """
        CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_chainhead
        FOR EACH STATEMENT
        EXECUTE FUNCTION bonta_refuse_unless_flushing('the audit chain head cannot be removed')
        """,
    ],
    [
        "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_chainhead",
        "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_chainhead",
        "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_chainhead",
        "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
        "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent",
        "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent",
        """
        CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
        """,
        "DROP FUNCTION IF EXISTS bonta_refuse_unless_flushing()",
        "DROP FUNCTION IF EXISTS bonta_refuse()",
        "DROP TABLE IF EXISTS bonta_flush_guard",
    ],
)

FLUSHING = "EXISTS (SELECT 1 FROM bonta_flush_guard)"
SQLITE = (
    [
        GUARD_TABLE,
        """
        CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END
        """,
        f"""
        CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
        WHEN NOT {FLUSHING}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END
        """,
        """
        CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_chainhead
        WHEN NEW.seq < OLD.seq
        BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward (UPDATE refused)'); END
        """,
        f"""
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_chainhead
        WHEN NOT {FLUSHING}
        BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be removed (DELETE refused)'); END
        """,
    ],
    [
        "DROP TRIGGER IF EXISTS audit_head_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_forward_only",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TABLE IF EXISTS bonta_flush_guard",
    ],
)


def _run(index):
    def run(apps, schema_editor):
        statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(
            schema_editor.connection.vendor
        )
        for sql in statements[index] if statements else ():
            schema_editor.execute(sql, None)  # None: no %-placeholders (plpgsql uses %)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]

    operations = [migrations.RunPython(_run(0), _run(1))]
