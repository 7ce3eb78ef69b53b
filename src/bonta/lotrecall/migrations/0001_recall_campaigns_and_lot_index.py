"""Recall campaigns, their per-patient outreach, and the index that makes a lot search one probe.

`records_administration.lot` (the lot snapshot taken at sign-off) had no index: a lot search
read every administration. The index is created here rather than in a records migration so
this feature owns it; `tests/lotrecall/test_index.py` checks it exists after migrating (a later
table rebuild of records_administration on SQLite would otherwise drop it silently).
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "lotrecall_admin_lot"


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("records", "0003_indexes_for_recall_and_chart"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON records_administration ("lot")',
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
        migrations.CreateModel(
            name="RecallCampaign",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("lot", models.CharField(blank=True, max_length=64)),
                ("product", models.CharField(blank=True, max_length=32)),
                ("date_from", models.DateField(blank=True, null=True)),
                ("date_to", models.DateField(blank=True, null=True)),
                ("reason", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ("-created_at",)},
        ),
        migrations.CreateModel(
            name="RecallContact",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("not_contacted", "Not contacted"),
                            ("contacted", "Contacted"),
                            ("unreachable", "Unreachable"),
                            ("seen", "Seen"),
                        ],
                        default="not_contacted",
                        max_length=16,
                    ),
                ),
                ("status_at", models.DateTimeField(blank=True, null=True)),
                ("note", models.CharField(blank=True, max_length=500)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="contacts",
                        to="lotrecall.recallcampaign",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="records.patient",
                    ),
                ),
                (
                    "status_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("campaign", "patient"), name="one_contact_per_patient"
                    )
                ],
            },
        ),
    ]
