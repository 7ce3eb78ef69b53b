"""Make the database itself refuse UPDATE of a published consent document.

The model already refuses (a changed text is a new version); the trigger also stops raw SQL
and other clients. DELETE is left to the foreign keys (PROTECT from every signed consent), so
test flushes still work.
"""

from django.db import migrations

POSTGRESQL = (
    """
    CREATE OR REPLACE FUNCTION consent_document_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'a published consent document cannot be changed: publish a new version';
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER consent_document_immutable
        BEFORE UPDATE ON consent_consentdocument
        FOR EACH ROW EXECUTE FUNCTION consent_document_immutable();
    """,
    """
    DROP TRIGGER IF EXISTS consent_document_immutable ON consent_consentdocument;
    DROP FUNCTION IF EXISTS consent_document_immutable();
    """,
)
SQLITE = (
    """
    CREATE TRIGGER consent_document_immutable
    BEFORE UPDATE ON consent_consentdocument
    BEGIN
        SELECT RAISE(ABORT, 'a published consent document cannot be changed: publish a new version');
    END;
    """,
    "DROP TRIGGER IF EXISTS consent_document_immutable;",
)


def _run(index):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        sql = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor)
        if sql:
            schema_editor.execute(sql[index], None)  # None: no %-placeholders

    return run


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_consent_documents_and_signatures")]

    operations = [migrations.RunPython(_run(0), _run(1))]
