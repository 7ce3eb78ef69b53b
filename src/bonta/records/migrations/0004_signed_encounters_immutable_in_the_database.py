"""A signed encounter and everything hanging off it are immutable in the database itself.

The models and services already refuse (DESIGN §3, fixed); these triggers also stop bulk ORM
`update()`/`delete()`, raw SQL and other clients, on SQLite and PostgreSQL alike:

- records_encounter: UPDATE of a row stored as signed is refused — the draft → signed
  transition itself (OLD.status = 'draft') passes; DELETE of a signed row is refused;
- its parts — plan rows (records_plannedinjection), administrations, finding overrides and
  assessments: UPDATE refused when the row belongs, before or after the change, to a signed
  encounter; DELETE refused when it belongs to one. Sign-off writes overrides and
  administrations while the encounter is still a draft, then flips the status, so it passes;
  so does the demo loader, which INSERTs signed history (INSERT is not guarded);
- addenda: never changed or removed once written.

DELETE (and on PostgreSQL TRUNCATE) pass only while the test flush guard holds a row; see
audit 0004 for what the guard is, who may set it (the test suite's flush, nobody else) and why.
"""

from django.db import migrations

PARTS = {
    "records_plannedinjection": "a plan row",
    "records_administration": "an administration",
    "records_findingoverride": "a finding override",
    "records_assessment": "an assessment",
}
GUARDED = ["records_encounter", *PARTS, "records_addendum"]
SIGNED_ENCOUNTER = "a signed encounter cannot be changed: add an addendum"
ADDENDUM = "an addendum cannot be changed or removed: add another"


def _postgresql():
    create = [
        """
        CREATE OR REPLACE FUNCTION records_part_of_signed_encounter() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF EXISTS (SELECT 1 FROM records_encounter
                           WHERE id IN (OLD.encounter_id, NEW.encounter_id)
                             AND status = 'signed') THEN
                    RAISE EXCEPTION '% of a signed encounter cannot be changed: add an addendum (UPDATE refused)', TG_ARGV[0];
                END IF;
                RETURN NEW;
            END IF;
            IF EXISTS (SELECT 1 FROM records_encounter
                       WHERE id = OLD.encounter_id AND status = 'signed')
               AND NOT EXISTS (SELECT 1 FROM bonta_flush_guard) THEN
                RAISE EXCEPTION '% of a signed encounter cannot be removed (DELETE refused)', TG_ARGV[0];
            END IF;
            RETURN OLD;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER records_encounter_signed_no_update BEFORE UPDATE ON records_encounter
        FOR EACH ROW WHEN (OLD.status = 'signed')
        EXECUTE FUNCTION bonta_refuse('{SIGNED_ENCOUNTER}')
        """,
        f"""
        CREATE TRIGGER records_encounter_signed_no_delete BEFORE DELETE ON records_encounter
        FOR EACH ROW WHEN (OLD.status = 'signed')
        EXECUTE FUNCTION bonta_refuse_unless_flushing('{SIGNED_ENCOUNTER}')
        """,
        f"""
        CREATE TRIGGER records_addendum_no_update BEFORE UPDATE ON records_addendum
        FOR EACH ROW EXECUTE FUNCTION bonta_refuse('{ADDENDUM}')
        """,
        f"""
        CREATE TRIGGER records_addendum_no_delete BEFORE DELETE ON records_addendum
        FOR EACH ROW EXECUTE FUNCTION bonta_refuse_unless_flushing('{ADDENDUM}')
        """,
    ]
    for table, what in PARTS.items():
        create.append(
            f"""
            CREATE TRIGGER {table}_signed_frozen BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION records_part_of_signed_encounter('{what}')
            """
        )
    for table in GUARDED:
        create.append(
            f"""
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT
            EXECUTE FUNCTION bonta_refuse_unless_flushing('signed records cannot be truncated')
            """
        )
    drop = [f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in GUARDED]
    drop += [f"DROP TRIGGER IF EXISTS {t}_signed_frozen ON {t}" for t in PARTS]
    drop += [
        "DROP TRIGGER IF EXISTS records_addendum_no_delete ON records_addendum",
        "DROP TRIGGER IF EXISTS records_addendum_no_update ON records_addendum",
        "DROP TRIGGER IF EXISTS records_encounter_signed_no_delete ON records_encounter",
        "DROP TRIGGER IF EXISTS records_encounter_signed_no_update ON records_encounter",
        "DROP FUNCTION IF EXISTS records_part_of_signed_encounter()",
    ]
    return create, drop


FLUSHING = "EXISTS (SELECT 1 FROM bonta_flush_guard)"


def _sqlite():
    create = [
        f"""
        CREATE TRIGGER records_encounter_signed_no_update BEFORE UPDATE ON records_encounter
        WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, '{SIGNED_ENCOUNTER} (UPDATE refused)'); END
        """,
        f"""
        CREATE TRIGGER records_encounter_signed_no_delete BEFORE DELETE ON records_encounter
        WHEN OLD.status = 'signed' AND NOT {FLUSHING}
        BEGIN SELECT RAISE(ABORT, '{SIGNED_ENCOUNTER} (DELETE refused)'); END
        """,
        f"""
        CREATE TRIGGER records_addendum_no_update BEFORE UPDATE ON records_addendum
        BEGIN SELECT RAISE(ABORT, '{ADDENDUM} (UPDATE refused)'); END
        """,
        f"""
        CREATE TRIGGER records_addendum_no_delete BEFORE DELETE ON records_addendum
        WHEN NOT {FLUSHING}
        BEGIN SELECT RAISE(ABORT, '{ADDENDUM} (DELETE refused)'); END
        """,
    ]
    for table, what in PARTS.items():  # constants of this module, not input
        create += [
            f"""
            CREATE TRIGGER {table}_signed_no_update BEFORE UPDATE ON {table}
            WHEN EXISTS (SELECT 1 FROM records_encounter
                         WHERE id IN (OLD.encounter_id, NEW.encounter_id) AND status = 'signed')
            BEGIN SELECT RAISE(ABORT, '{what} of a signed encounter cannot be changed: add an addendum (UPDATE refused)'); END
            """,  # noqa: S608
            f"""
            CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table}
            WHEN EXISTS (SELECT 1 FROM records_encounter
                         WHERE id = OLD.encounter_id AND status = 'signed')
                 AND NOT {FLUSHING}
            BEGIN SELECT RAISE(ABORT, '{what} of a signed encounter cannot be removed (DELETE refused)'); END
            """,  # noqa: S608
        ]
    drop = [f"DROP TRIGGER IF EXISTS {t}_signed_no_update" for t in PARTS]
    drop += [f"DROP TRIGGER IF EXISTS {t}_signed_no_delete" for t in PARTS]
    drop += [
        "DROP TRIGGER IF EXISTS records_addendum_no_delete",
        "DROP TRIGGER IF EXISTS records_addendum_no_update",
        "DROP TRIGGER IF EXISTS records_encounter_signed_no_delete",
        "DROP TRIGGER IF EXISTS records_encounter_signed_no_update",
    ]
    return create, drop


def _run(index):
    def run(apps, schema_editor):
        build = {"postgresql": _postgresql, "sqlite": _sqlite}.get(schema_editor.connection.vendor)
        for sql in build()[index] if build else ():
            schema_editor.execute(sql, None)  # None: no %-placeholders (plpgsql uses %)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_indexes_for_recall_and_chart"),
        ("audit", "0004_append_only_on_both_engines"),  # bonta_flush_guard, bonta_refuse*
    ]

    operations = [migrations.RunPython(_run(0), _run(1))]
