"""A page that reads one patient's record in parts is one audit event, not one per part."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from django.db import transaction

from bonta.audit.log import one_read_event, record, verify_chain
from bonta.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> SimpleNamespace:
    return SimpleNamespace(pk=uuid4(), role="clinician")


@pytest.fixture
def other_actor() -> SimpleNamespace:
    return SimpleNamespace(pk=uuid4(), role="nurse")


@pytest.fixture
def patient_id() -> UUID:
    return uuid4()


@pytest.fixture
def other_patient_id() -> UUID:
    return uuid4()


def test_reads_inside_the_block_become_the_first_events_one_row(actor, patient_id) -> None:
    with transaction.atomic(), one_read_event(actor=actor, patient_id=patient_id):
        record(
            "patient.chart",
            actor=actor,
            object_type="patient",
            object_id=patient_id,
            patient_id=patient_id,
            detail={"count": 3},
        )
        record(
            "appointment.list.read",
            actor=actor,
            object_type="patient",
            object_id=patient_id,
            patient_id=patient_id,
            detail={"count": 2},
        )
        assert not AuditEvent.objects.exists()  # written when the block ends

    (event,) = AuditEvent.objects.all()
    assert (event.action, event.patient_id, event.actor_id) == (
        "patient.chart",
        patient_id,
        actor.pk,
    )
    assert event.detail == {
        "count": 3,
        "shown": [
            {
                "action": "appointment.list.read",
                "object_type": "patient",
                "object_id": str(patient_id),
                "count": 2,
            }
        ],
    }
    assert verify_chain() is None


def test_another_patients_event_or_another_actors_is_appended_on_its_own(
    actor, other_actor, patient_id, other_patient_id
) -> None:
    with transaction.atomic(), one_read_event(actor=actor, patient_id=patient_id):
        record("patient.chart", actor=actor, object_type="patient", patient_id=patient_id)
        record("patient.chart", actor=actor, object_type="patient", patient_id=other_patient_id)
        record("patient.chart", actor=other_actor, object_type="patient", patient_id=patient_id)
        record("vial.register", actor=actor, object_type="vial")  # no patient: not a chart part
        assert AuditEvent.objects.count() == 3

    assert AuditEvent.objects.count() == 4
    assert verify_chain() is None


def _failing_page(actor: SimpleNamespace, patient_id: UUID) -> None:
    with transaction.atomic(), one_read_event(actor=actor, patient_id=patient_id):
        record("patient.chart", actor=actor, object_type="patient", patient_id=patient_id)
        raise LookupError


def test_nothing_is_written_when_the_page_fails(actor, patient_id) -> None:
    with pytest.raises(LookupError):
        _failing_page(actor, patient_id)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)  # outside any test transaction too
def test_the_block_does_not_lift_the_same_transaction_rule(actor, patient_id) -> None:
    with one_read_event(actor=actor, patient_id=patient_id), pytest.raises(RuntimeError):
        record("patient.chart", actor=actor, object_type="patient", patient_id=patient_id)


def test_part_details_are_still_checked_for_patient_data(actor, patient_id) -> None:
    with (
        pytest.raises(ValueError, match="not allowed"),
        transaction.atomic(),
        one_read_event(actor=actor, patient_id=patient_id),
    ):
        record("patient.chart", actor=actor, object_type="patient", detail={"name": "A"})
