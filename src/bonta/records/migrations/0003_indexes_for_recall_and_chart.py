"""Indexes for the recall list and the chart (see docs/architecture.md, Performance decisions).

- Encounter (status, pathway, product, at): the recall list reads signed sessions of one
  pathway and product in a date band.
- Encounter (patient, pathway, status, at): "is there a later signed session of this patient on
  this pathway?", one index probe per candidate.
- Administration (encounter, muscle) replaces the foreign key's own index on encounter: it
  serves every lookup by encounter and gives a session's muscles from the index alone.

The old index is dropped by name as the database reports it (no table rebuild on SQLite, where
changing the field itself would copy the whole table).
"""

from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _foreign_key_indexes(schema_editor: BaseDatabaseSchemaEditor, model: Any) -> list[str]:
    return schema_editor._constraint_names(  # type: ignore[attr-defined]
        model, [model._meta.get_field("encounter").column], index=True, unique=False
    )


def drop_encounter_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    model = apps.get_model("records", "Administration")
    for name in _foreign_key_indexes(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_encounter_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    model = apps.get_model("records", "Administration")
    field = model._meta.get_field("encounter")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_vial_reconstituted_at_index_for_stock"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="administration",
            index=models.Index(fields=["encounter", "muscle"], name="records_admin_enc_muscle"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(drop_encounter_index, create_encounter_index),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="administration",
                    name="encounter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="administrations",
                        to="records.encounter",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="encounter",
            index=models.Index(
                fields=["status", "pathway", "product", "at"], name="records_enc_recall_band"
            ),
        ),
        migrations.AddIndex(
            model_name="encounter",
            index=models.Index(
                fields=["patient", "pathway", "status", "at"], name="records_enc_patient_way"
            ),
        ),
    ]
