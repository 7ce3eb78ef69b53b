"""The lot search is an index probe: the index exists after migrating, and the planner uses it."""

from __future__ import annotations

import pytest
from django.db import connection

from bonta.records.models import Administration, EncounterStatus

pytestmark = pytest.mark.django_db


def test_the_lot_index_exists() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "records_administration")
    assert constraints["lotrecall_admin_lot"]["columns"] == ["lot"]
    assert constraints["lotrecall_admin_lot"]["index"]


def test_the_lot_search_uses_it() -> None:
    rows = Administration.objects.filter(encounter__status=EncounterStatus.SIGNED, lot="RC-1")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            plan = rows.explain()
            cursor.execute("SET enable_seqscan = on")
    else:
        plan = rows.explain()
    assert "lotrecall_admin_lot" in plan
