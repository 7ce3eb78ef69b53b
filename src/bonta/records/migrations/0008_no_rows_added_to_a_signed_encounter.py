"""Nothing is added to a signed encounter in the database either.

0005 refuses UPDATE and DELETE of a signed encounter's parts; an INSERT was refused only by the
application (`_PartOfEncounter.save`), so raw SQL or a bulk insert could still add an
administration, a plan row or an override to a signed record and change what it says was
given. These triggers refuse an INSERT into records_plannedinjection, records_administration,
records_findingoverride and records_assessment (pre-treatment findings) whose encounter is
stored as signed, on SQLite and PostgreSQL.

Sign-off writes its overrides and administrations while the encounter is still a draft and
flips the status last, so it passes; the demo loader now does the same (drafts, their rows,
then one UPDATE to signed). Addenda, the way to amend, are added to signed encounters by
design and stay open to INSERT; cosmetic reviews of a signed session are rows of their own
(bonta.cosmetic), not parts of the encounter. A
restore (pg_restore) loads the data before it creates triggers, so it passes too.
"""

from django.db import migrations

PARTS = {
    "records_plannedinjection": "a plan row",
    "records_administration": "an administration",
    "records_findingoverride": "a finding override",
    "records_assessment": "an assessment",
}


def _postgresql():
    create = [
        """
        CREATE OR REPLACE FUNCTION records_no_insert_into_signed_encounter() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM records_encounter
                       WHERE id = NEW.encounter_id AND status = 'signed') THEN
                RAISE EXCEPTION '% cannot be added to a signed encounter: add an addendum (INSERT refused)', TG_ARGV[0];
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """
    ]
    for table, what in PARTS.items():  # constants of this module, not input
        create.append(
            f"""
            CREATE TRIGGER {table}_signed_no_insert BEFORE INSERT ON {table}
            FOR EACH ROW EXECUTE FUNCTION records_no_insert_into_signed_encounter('{what}')
            """
        )
    drop = [f"DROP TRIGGER IF EXISTS {t}_signed_no_insert ON {t}" for t in PARTS]
    drop.append("DROP FUNCTION IF EXISTS records_no_insert_into_signed_encounter()")
    return create, drop


def _sqlite():
    create = [
        f"""
        CREATE TRIGGER {table}_signed_no_insert BEFORE INSERT ON {table}
        WHEN EXISTS (SELECT 1 FROM records_encounter
                     WHERE id = NEW.encounter_id AND status = 'signed')
        BEGIN SELECT RAISE(ABORT, '{what} cannot be added to a signed encounter: add an addendum (INSERT refused)'); END
        """  # noqa: S608
        for table, what in PARTS.items()
    ]
    drop = [f"DROP TRIGGER IF EXISTS {t}_signed_no_insert" for t in PARTS]
    return create, drop


def _run(index):
    def run(apps, schema_editor):
        build = {"postgresql": _postgresql, "sqlite": _sqlite}.get(schema_editor.connection.vendor)
        for sql in build()[index] if build else ():
            schema_editor.execute(sql, None)  # None: no %-placeholders (plpgsql uses %)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0007_external_lot_and_expiry"),
    ]

    operations = [migrations.RunPython(_run(0), _run(1))]
