"""Consents signed before product-specific consent keep covering what they covered.

Coverage follows the document signed (`bonta.consent.guard`), so the published documents are
marked with the product their text is worded for:

- cosmetic: Bonta's cosmetic text (and every clinic version of it) is worded for BOTOX Cosmetic
  (its indications, its 90-day spacing, its albumin statement), so it covers `botox_cosmetic`
  **only**. It does not cover Dysport, Xeomin or any other brand: their labels differ in dose,
  spacing and ingredients (Dysport's cow's-milk-protein contraindication), and a patient who
  read the BOTOX Cosmetic text was never told them. That is the clinically safe answer; a
  patient moving to another brand signs that brand's consent before sign-off.
- chronic migraine: worded for BOTOX (onabotulinumtoxinA), the only product labelled for it,
  so it covers `botox`.
- photography: about no product ("").

Published documents are immutable (0002's trigger): it is dropped for this one update and put
back unchanged. Reversing leaves the marks (the column goes with 0004's reversal).
"""

from django.db import migrations

WORDED_FOR = {"cosmetic": "botox_cosmetic", "chronic_migraine": "botox"}

TRIGGER = {
    "postgresql": (
        "DROP TRIGGER IF EXISTS consent_document_immutable ON consent_consentdocument;",
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
    ),
    "sqlite": (
        "DROP TRIGGER IF EXISTS consent_document_immutable;",
        """
        CREATE TRIGGER consent_document_immutable
        BEFORE UPDATE ON consent_consentdocument
        BEGIN
            SELECT RAISE(ABORT, 'a published consent document cannot be changed: publish a new version');
        END;
        """,
    ),
}


def mark(apps, schema_editor):
    drop, create = TRIGGER.get(schema_editor.connection.vendor, (None, None))
    if drop:
        schema_editor.execute(drop, None)
    table = apps.get_model("consent", "ConsentDocument")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        for kind, product in WORDED_FOR.items():
            cursor.execute(
                f"UPDATE {table} SET product = %s WHERE kind = %s AND product = ''",  # noqa: S608
                [product, kind],
            )
    if create:
        schema_editor.execute(create, None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_consent_documents_name_their_product")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
