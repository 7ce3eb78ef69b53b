"""A patient's history is read through the administration index by encounter, which on
PostgreSQL carries product and units too, so the per-session grouping reads the index alone
(no heap visit per administration: at 100k patients, that is what kept the planner from a
parallel scan of every encounter)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum

from bonta.records.models import Administration, EncounterStatus
from bonta.records.snapshots import CodeList

pytestmark = pytest.mark.django_db


def history_rows(patient_id):
    """The grouped read `patient_history` makes (one row per signed session and product)."""
    return (
        Administration.objects.filter(
            encounter__patient_id=patient_id, encounter__status=EncounterStatus.SIGNED
        )
        .values_list("encounter_id", "encounter__at", "encounter__pathway", "product")
        .annotate(total=Sum("units"), muscles=CodeList("muscle"))
        .order_by()
    )


def test_the_index_is_keyed_by_encounter_and_muscle() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "records_administration")
    index = constraints["records_admin_by_encounter"]
    assert index["index"]
    assert index["columns"][:2] == ["encounter_id", "muscle"]
    assert "records_admin_enc_muscle" not in constraints  # replaced, not doubled


@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes: PostgreSQL")
def test_on_postgresql_it_covers_product_and_units() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'records_admin_by_encounter'"
        )
        (definition,) = cursor.fetchone()
    assert definition.endswith("(encounter_id, muscle) INCLUDE (product, units)")


def test_the_history_read_uses_it(alice) -> None:
    rows = history_rows(alice.pk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_bitmapscan = off")
            plan = rows.explain()
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")
        assert "Index Only Scan using records_admin_by_encounter" in plan
    else:
        assert "records_admin_by_encounter" in rows.explain()
