"""Adverse events and external administrations."""

from __future__ import annotations

from datetime import date

import pytest

from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.records.models import AdverseEvent, ExternalAdministration

from .clinic import make_patient

pytestmark = pytest.mark.django_db

DISTANT_SPREAD = [
    "dysphagia",
    "breathing_difficulty",
    "generalised_weakness",
    "diplopia",
    "dysphonia",
]


@pytest.mark.parametrize("kind", DISTANT_SPREAD)
def test_distant_spread_symptoms_are_urgent(alice, nurse_noor, kind):
    event = services.record_adverse_event(
        alice, by=nurse_noor, type=kind, onset=date(2025, 3, 5), severity="moderate"
    )
    assert event.urgent is True


@pytest.mark.parametrize("kind", ["bruising", "swelling", "eyelid_ptosis", "brow_ptosis", "other"])
def test_local_effects_are_not_urgent(alice, nurse_noor, kind):
    event = services.record_adverse_event(
        alice, by=nurse_noor, type=kind, onset=date(2025, 3, 5), severity="mild"
    )
    assert event.urgent is False


def test_an_adverse_event_cannot_point_at_another_patients_encounter(alice, dr_grey):
    from .clinic import glabellar_session, make_vial

    bob = make_patient(dr_grey, "B-002")
    encounter = glabellar_session(bob, dr_grey, make_vial(dr_grey))
    with pytest.raises(InvalidInput) as refused:
        services.record_adverse_event(
            alice, by=dr_grey, type="bruising", onset=date(2025, 3, 5), severity="mild",
            encounter=encounter,
        )  # fmt: skip
    assert refused.value.field == "encounter_id"
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"product": "snake_oil"}, "product"),
        ({"units": "0"}, "units"),
        ({"pathway_code": "dental"}, "pathway"),
        ({"area": "glabellar_lines"}, "area"),  # a cosmetic area on the migraine pathway
        ({"muscles": ["eyebrow"]}, "muscles[0]"),
        ({"on": date(2999, 1, 1)}, "on"),
        ({"source_system": "local"}, "source_system"),
    ],
)
def test_an_invalid_external_record_is_refused(alice, dr_grey, change, field):
    given = {
        "on": date(2025, 1, 2),
        "product": "botox",
        "units": "155",
        "pathway_code": "chronic_migraine",
        "source_system": "Neuro EHR",
        **change,
    }
    with pytest.raises(InvalidInput) as refused:
        services.record_external_administration(alice, by=dr_grey, **given)
    assert refused.value.field == field
    assert not ExternalAdministration.objects.exists()


def test_the_same_source_record_is_imported_once(alice, dr_grey):
    given = {
        "on": date(2025, 1, 2), "product": "botox", "units": "155",
        "pathway_code": "chronic_migraine", "source_system": "Neuro EHR", "source_id": "MA-1",
    }  # fmt: skip
    services.record_external_administration(alice, by=dr_grey, **given)
    with pytest.raises(InvalidInput) as refused:
        services.record_external_administration(alice, by=dr_grey, **given)
    assert refused.value.field == "source_id"
    assert ExternalAdministration.objects.count() == 1
