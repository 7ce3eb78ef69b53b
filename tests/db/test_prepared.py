"""bonta.db.prepared: a Statement's remembered SQL is the ORM's, and its rows are the queryset's."""

from __future__ import annotations

import importlib
import pkgutil
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import bonta
from bonta.db.prepared import ALL, Statement, field_of
from bonta.records.models import Encounter, Patient, PlannedInjection
from records.clinic import SESSION_AT, glabellar_session, make_vial

pytestmark = pytest.mark.django_db


def _import_every_module_with_a_statement() -> None:
    """Every module of bonta that makes a Statement, imported, so ALL holds all of them."""
    for info in pkgutil.walk_packages(bonta.__path__, "bonta."):
        spec = importlib.util.find_spec(info.name)
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin and origin.suffix == ".py" and "Statement(" in origin.read_text():
            importlib.import_module(info.name)


_import_every_module_with_a_statement()


def _sample(field):
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind == "UUIDField":
        return uuid.uuid4()
    if kind == "DateTimeField":
        return timezone.now()
    return "cosmetic"


def test_every_statement_is_defined_by_the_hot_modules():
    modules = {s.build.__module__ for s in ALL}
    assert {"bonta.records.snapshots", "bonta.accounts.tokens", "bonta.web.queries"} <= modules


@pytest.mark.parametrize("statement", ALL, ids=lambda s: s.build.__qualname__)
def test_remembered_sql_and_parameters_are_the_orms(statement):
    for _ in range(3):  # new values each time: the same SQL, the values where the ORM puts them
        values = {name: _sample(field) for name, field in statement.fields.items()}
        remembered, fresh = statement.check(**values)
        assert remembered == fresh


def _patient(n: int) -> Patient:
    return Patient.objects.create(
        record_number=f"PREP{n:04d}",
        given_name="Prep",
        family_name=f"Test{n}",
        birth_date=timezone.localdate() - timedelta(days=365 * 40),
        sex="female",
    )


BY_FAMILY: Statement[Patient] = Statement(
    lambda family_name: Patient.objects.filter(family_name=family_name).order_by("pk"),
    family_name=field_of(Patient, "family_name"),
)
NAMES: Statement[tuple[str, str]] = Statement(
    lambda family_name: (
        Patient.objects.filter(family_name=family_name)
        .values_list("given_name", "record_number")
        .order_by("record_number")
    ),
    family_name=field_of(Patient, "family_name"),
)


def test_rows_are_the_querysets_for_each_new_value():
    a, b = _patient(1), _patient(2)
    assert BY_FAMILY.run(family_name="Test1") == [a]
    assert BY_FAMILY.run(family_name="Test2") == [b]  # the new value, not the first one
    assert BY_FAMILY.run(family_name="nobody") == []
    assert NAMES.run(family_name="Test2") == [("Prep", "PREP0002")]
    found = BY_FAMILY.run(family_name="Test1")[0]
    assert found.birth_date == a.birth_date  # converted as the ORM converts it


def test_model_rows_with_select_related_and_annotations(alice, dr_grey):
    from bonta.records import services
    from bonta.records.snapshots import planned_rows

    vial = make_vial(dr_grey, lot="PREP1", size_units="200", diluent_ml="5")
    services.sign_encounter(glabellar_session(alice, dr_grey, vial), dr_grey)  # 20 U drawn
    encounter = glabellar_session(alice, dr_grey, vial, at=SESSION_AT + timedelta(days=100))
    with CaptureQueriesContext(connection) as queries:
        rows = planned_rows(encounter.pk)
    assert len(queries) == 1  # the vial and its draws came with it
    expected = list(PlannedInjection.objects.filter(encounter=encounter).order_by("position"))
    assert [r.pk for r in sorted(rows, key=lambda r: r.position)] == [r.pk for r in expected]
    assert all(r.vial == vial and r.vial.lot == "PREP1" for r in rows)
    assert all(r.vial_drawn == 20 and r.vial_discarded == 0 for r in rows)
    assert sum(r.units for r in rows) == 20  # glabellar lines: 5 x 4 U


def test_a_value_that_is_not_an_equality_parameter_is_refused():
    fuzzy = Statement(
        lambda family_name: Patient.objects.filter(family_name__icontains=family_name),
        family_name=field_of(Patient, "family_name"),
    )
    ALL.remove(fuzzy)
    with pytest.raises(ValueError, match="not found as parameters"):
        fuzzy.run(family_name="x")


def test_wrong_value_names_are_refused():
    with pytest.raises(TypeError, match="family_name"):
        BY_FAMILY.run(family="x")


def test_a_malformed_uuid_is_refused_as_the_orm_refuses_it():
    from django.core.exceptions import ValidationError

    from bonta.records.services.encounters import _LOCK_ENCOUNTER

    with transaction.atomic(), pytest.raises(ValidationError):
        _LOCK_ENCOUNTER.run(encounter_id="not-a-uuid")


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)  # autocommit: outside any transaction
def test_a_locking_statement_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    from bonta.records.services.encounters import _LOCK_ENCOUNTER

    with pytest.raises(TransactionManagementError):
        _LOCK_ENCOUNTER.run(encounter_id=uuid.uuid4())
    with pytest.raises(TransactionManagementError):
        list(Encounter.objects.select_for_update().filter(pk=uuid.uuid4()))


def test_each_thread_compiles_its_own():
    mine = BY_FAMILY._compiled("default")
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(BY_FAMILY._compiled("default")))
    worker.start()
    worker.join()
    assert theirs
    assert theirs[0].compiler is not mine.compiler
    assert theirs[0].sql == mine.sql
    assert BY_FAMILY._compiled("default") is mine  # kept for this thread
