"""Registering patients and their standing safety flags."""

from __future__ import annotations

from datetime import date

import pytest

from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.records.errors import NotAllowed, NotFound
from bonta.records.models import Patient

from .clinic import make_patient

pytestmark = pytest.mark.django_db

FLAGS = {
    "pregnant": False,
    "breastfeeding": True,
    "conditions": ["myasthenia_gravis"],
    "allergies": ["human_albumin"],
    "medications": ["aminoglycoside", "muscle_relaxant"],
    "infection_sites": ["frontalis"],
}


def test_reception_registers_a_patient_without_clinical_flags(rita_reception):
    patient = make_patient(rita_reception)
    assert Patient.objects.get().record_number == patient.record_number == "A-001"
    assert patient.to_domain().conditions == frozenset()


def test_reception_cannot_record_safety_flags(rita_reception):
    with pytest.raises(NotAllowed):
        make_patient(rita_reception, flags=FLAGS)
    assert not Patient.objects.exists()


def test_a_nurse_records_flags_that_reach_the_safety_engine(alice, nurse_noor):
    services.update_patient_flags(alice, by=nurse_noor, flags=FLAGS)
    state = Patient.objects.get(pk=alice.pk).to_domain()
    assert state.breastfeeding is True
    assert state.conditions == frozenset({"myasthenia_gravis"})
    assert state.medications == frozenset({"aminoglycoside", "muscle_relaxant"})
    assert state.infection_sites == frozenset({"frontalis"})


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        ({"conditions": ["gout"]}, "flags.conditions[0]"),
        ({"allergies": ["botulinum_toxin", "peanuts"]}, "flags.allergies[1]"),
        ({"medications": ["aspirin"]}, "flags.medications[0]"),
        ({"infection_sites": ["left_ear"]}, "flags.infection_sites[0]"),
    ],
)
def test_an_unknown_flag_code_is_refused_by_field(alice, dr_grey, flags, field):
    with pytest.raises(InvalidInput) as refused:
        services.amend_patient_flags(alice, by=dr_grey, changes=flags)
    assert refused.value.field == field
    alice.refresh_from_db()
    assert (alice.conditions, alice.allergies, alice.medications) == ([], [], [])


def test_a_record_number_is_used_once(alice, dr_grey):
    with pytest.raises(InvalidInput) as refused:
        make_patient(dr_grey, alice.record_number, given_name="Other")
    assert refused.value.field == "record_number"
    assert Patient.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": date(2999, 1, 1)}, "birth_date"),
        ({"given_name": "  "}, "given_name"),
        ({"sex": "robot"}, "sex"),
    ],
)
def test_invalid_demographics_are_refused(dr_grey, change, field):
    with pytest.raises(InvalidInput) as refused:
        make_patient(dr_grey, **change)
    assert refused.value.field == field
    assert not Patient.objects.exists()


def test_reading_a_patient_is_audited_with_ids_only(alice, rita_reception):
    services.get_patient(alice.pk, by=rita_reception)
    read = AuditEvent.objects.get(action="patient.read")
    assert (read.actor_id, read.patient_id, read.object_id) == (
        rita_reception.pk,
        alice.pk,
        str(alice.pk),
    )
    assert read.detail == {}


def test_an_unknown_patient_is_not_found(dr_grey):
    with pytest.raises(NotFound):
        services.get_patient("not-a-uuid", by=dr_grey)


def test_an_unknown_allergy_is_named_in_good_english(alice, dr_grey):
    with pytest.raises(InvalidInput) as refused:
        services.amend_patient_flags(alice, by=dr_grey, changes={"allergies": ["peanuts"]})
    assert refused.value.reason.startswith("unknown allergy 'peanuts'")


def test_replacing_flags_needs_every_field_so_an_omission_never_clears_one(alice, dr_grey):
    services.update_patient_flags(alice, by=dr_grey, flags=FLAGS)
    partial = {k: v for k, v in FLAGS.items() if k != "allergies"}
    with pytest.raises(InvalidInput) as refused:
        services.update_patient_flags(alice, by=dr_grey, flags=partial)
    assert refused.value.field == "flags.allergies"
    with pytest.raises(InvalidInput) as refused:
        services.update_patient_flags(alice, by=dr_grey, flags={})
    assert refused.value.field == "flags.pregnant"
    assert Patient.objects.get(pk=alice.pk).allergies == ["human_albumin"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allergies": None}, "flags.allergies"),
        ({"allergies": "human_albumin"}, "flags.allergies"),
        ({"allergies": [3]}, "flags.allergies[0]"),
        ({"pregnant": "false"}, "flags.pregnant"),
        ({"peanut_allergy": True}, "flags.peanut_allergy"),
        ({}, "flags"),
    ],
)
def test_badly_shaped_flags_are_refused_by_field(alice, dr_grey, changes, field):
    with pytest.raises(InvalidInput) as refused:
        services.amend_patient_flags(alice, by=dr_grey, changes=changes)
    assert refused.value.field == field
    assert not AuditEvent.objects.filter(action="patient.update_flags").exists()


def test_every_flag_change_is_audited_before_and_after(alice, dr_grey):
    services.update_patient_flags(alice, by=dr_grey, flags=FLAGS)
    services.amend_patient_flags(alice, by=dr_grey, changes={"breastfeeding": False})
    first, second = AuditEvent.objects.filter(action="patient.update_flags").order_by("id")
    assert first.detail["changes"]["allergies"] == {"before": [], "after": ["human_albumin"]}
    assert first.detail["changes"]["breastfeeding"] == {"before": False, "after": True}
    assert "pregnant" not in first.detail["changes"]  # unchanged: not listed
    assert second.detail == {"changes": {"breastfeeding": {"before": True, "after": False}}}
    assert Patient.objects.get(pk=alice.pk).medications == ["aminoglycoside", "muscle_relaxant"]
