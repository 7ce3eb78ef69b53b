"""The administration index on (encounter, muscle) also carries product and units (PostgreSQL).

A patient's history (the chart's timeline, the safety check's history, sign-off) joins the
patient's encounters to their administrations and groups them per session. With the old index
the planner costs a heap visit for every administration row and, on a large clinic, prefers a
parallel sequential scan of every encounter (measured at 100k patients: 60-80 ms for one
patient's chart query); with product and units in the index the join is an index-only scan and
the same query takes about 2 ms. On SQLite, which has no covering indexes, the new index is the
old one under a new name.

The new index is built before the old one is dropped, so lookups by encounter always have one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_signed_encounters_immutable_in_the_database"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="administration",
            index=models.Index(
                fields=["encounter", "muscle"],
                include=["product", "units"],
                name="records_admin_by_encounter",
            ),
        ),
        migrations.RemoveIndex(model_name="administration", name="records_admin_enc_muscle"),
    ]
