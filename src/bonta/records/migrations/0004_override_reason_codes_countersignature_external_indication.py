"""Coded override reasons and countersignatures (issue 10); external records of other indications.

- findingoverride.reason_code (nullable: rows written before coded reasons have none and show as
  `LEGACY_REASON`, "legacy_free_text") and findingoverride.countersigner (nullable). Both are
  added with ALTER TABLE ADD COLUMN on SQLite and PostgreSQL alike — no table rebuild, no UPDATE
  of existing (possibly signed, and so immutable) rows — and are written in the one INSERT at
  sign-off, never updated afterwards.
- countersignaturerequest: a sign-off waiting for a second clinician (a draft's, never a signed
  encounter's; the row is removed when the encounter is signed).
- externaladministration.indication, and pathway may be blank: a record of another indication.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_indexes_for_recall_and_chart"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="externaladministration",
            name="indication",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="findingoverride",
            name="countersigner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="findingoverride",
            name="reason_code",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="externaladministration",
            name="pathway",
            field=models.CharField(
                blank=True,
                choices=[("cosmetic", "Cosmetic"), ("chronic_migraine", "Chronic migraine")],
                max_length=32,
            ),
        ),
        migrations.CreateModel(
            name="CountersignatureRequest",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("requested_at", models.DateTimeField()),
                ("plan_fingerprint", models.CharField(max_length=64)),
                ("overrides", models.JSONField()),
                (
                    "encounter",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="countersignature_request",
                        to="records.encounter",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
