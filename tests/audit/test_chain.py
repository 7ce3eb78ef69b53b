"""The audit log: append-only, hash-chained, written with the change, free of patient data.

Events are written unsealed with the change and linked into the chain by the sealer
(tests/audit/test_sealer.py); these tests seal where they look at chain positions."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.tamper import sql
from bonta.audit.log import record, verify_chain
from bonta.audit.models import AuditEvent, AuditLogIsAppendOnly, ChainHead
from bonta.audit.sealer import seal_all
from bonta.records import services
from bonta.records.models import Patient
from records.clinic import glabellar_session, make_patient, make_vial

pytestmark = pytest.mark.django_db


def _some_history(alice, dr_grey, nurse_noor):
    services.amend_patient_flags(alice, by=nurse_noor, changes={"conditions": ["als"]})
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.check_plan(encounter, by=dr_grey)
    services.sign_encounter(encounter, dr_grey)
    services.amend_encounter(encounter, by=dr_grey, reason="Typo", text="Alice felt faint.")
    services.get_encounter(encounter.pk, by=dr_grey)
    return encounter


def test_every_write_and_chart_read_leaves_an_event_in_an_unbroken_chain(
    alice, dr_grey, nurse_noor
):
    _some_history(alice, dr_grey, nurse_noor)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == [
        "patient.create",
        # make_patient: current consent for both pathways, cosmetic once per product's text
        # (botox_cosmetic, daxxify, dysport, jeuveau, letybo, xeomin), then chronic migraine
        *["consent.sign"] * 7,
        "patient.update_flags",
        "vial.register",
        "encounter.open",
        "encounter.plan",
        "encounter.check",
        "encounter.sign",
        "encounter.amend",
        "encounter.read",
    ]
    assert set(AuditEvent.objects.values_list("seq", flat=True)) == {None}  # not yet sealed
    assert verify_chain() is None
    assert seal_all().events == 16
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 17))
    assert verify_chain() is None


def test_recording_takes_no_lock_on_the_chain_head(db, dr_grey):
    """The point of unsealed events: an audited read writes one row and never touches the
    head (the old path created and locked it inside the request's transaction)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        event = record("patient.read", actor=dr_grey, object_type="patient")
    assert not any("audit_chainhead" in q["sql"] for q in queries.captured_queries)
    assert not ChainHead.objects.exists()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert stored.mark is not None
    assert len(stored.mark) == 64


def test_the_log_holds_no_names_birth_dates_or_notes(alice, dr_grey, nurse_noor):
    _some_history(alice, dr_grey, nurse_noor)
    everything = " ".join(
        str(row) for row in AuditEvent.objects.values_list(
            "action", "object_type", "object_id", "detail", "actor_role"
        )
    )  # fmt: skip
    for secret in ("Alice", "Archer", "1985-05-17", "faint", "Typo", alice.record_number):
        assert secret not in everything


def test_detail_refuses_keys_that_could_carry_patient_data(alice, dr_grey):
    with transaction.atomic(), pytest.raises(ValueError, match="given_name"):
        record("patient.read", actor=dr_grey, object_type="patient", detail={"given_name": "A"})


@pytest.mark.django_db(transaction=True)  # outside any test transaction too
def test_an_event_cannot_be_written_outside_the_changes_transaction(dr_grey):
    with pytest.raises(RuntimeError):
        record("patient.read", actor=dr_grey, object_type="patient")


def test_a_rolled_back_change_leaves_no_event(dr_grey):
    before = AuditEvent.objects.count()
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()

    def register_then_fail() -> None:
        with transaction.atomic():
            make_patient(dr_grey, "Z-9")
            raise RuntimeError("after the write")

    with pytest.raises(RuntimeError, match="after the write"):
        register_then_fail()
    assert not Patient.objects.filter(record_number="Z-9").exists()
    assert AuditEvent.objects.count() == before
    assert AuditEvent.objects.filter(seq__isnull=True).count() == unsealed  # nothing to seal


def test_events_refuse_update_and_delete_through_the_orm_before_sealing_too(dr_grey):
    with transaction.atomic():
        event = record("patient.read", actor=dr_grey, object_type="patient")
    event.action = "patient.nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(seq=1)


def test_events_refuse_update_and_delete_through_the_orm(alice):
    seal_all()
    event = AuditEvent.objects.get(seq=1)
    event.action = "patient.nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(seq=1).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(seq=1).action == "patient.create"


@pytest.mark.postgres
def test_postgresql_itself_refuses_to_change_or_remove_an_event(alice):
    seal_all()
    for statement in (
        "UPDATE audit_auditevent SET action = 'x'",
        "DELETE FROM audit_auditevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)
    assert AuditEvent.objects.get(seq=1).action == "patient.create"


def test_verify_chain_names_the_first_bad_sequence_number(alice, dr_grey, nurse_noor):
    _some_history(alice, dr_grey, nurse_noor)
    seal_all()
    sql("UPDATE audit_auditevent SET actor_role = %s WHERE seq = %s", ["manager", 4])
    assert verify_chain() == 4
