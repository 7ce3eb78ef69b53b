"""On PostgreSQL, make the audit table refuse UPDATE and DELETE in the database itself.

The model already refuses; the trigger also stops raw SQL and other clients. SQLite has no
equivalent we rely on, so this is a no-op there (the model-level guard still applies).
TRUNCATE (test flushes) is not a row event and is unaffected.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, None)  # None: no %-placeholders (plpgsql uses %)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_event_chain")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
