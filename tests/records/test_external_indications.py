"""BoNT given elsewhere for another indication (outside Bonta's two pathways), through the
service and the snapshot: stored with its indication, counted toward the cumulative window,
covering for re-treatment only the muscles it names."""

from __future__ import annotations

from datetime import date

import pytest

from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.records.models import ExternalAdministration
from bonta.records.snapshots import build_snapshot

from .clinic import codes, make_vial, preempt_session

pytestmark = pytest.mark.django_db

SPASTICITY = {
    "on": date(2025, 2, 20), "product": "botox", "units": "250",
    "indication": "upper limb spasticity", "source_system": "Rehab Hospital",
}  # fmt: skip


def preempt(alice, dr_grey):
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    return preempt_session(alice, dr_grey, vial)


def test_a_record_of_another_indication_is_stored_with_it_and_no_pathway(alice, dr_grey):
    row = services.record_external_administration(alice, by=dr_grey, **SPASTICITY)
    stored = ExternalAdministration.objects.get(pk=row.pk)
    assert (stored.pathway, stored.indication, stored.muscles) == (
        "", "upper limb spasticity", None,
    )  # fmt: skip


def test_it_reaches_the_engine_and_counts_toward_the_cumulative_limit(alice, dr_grey):
    services.record_external_administration(alice, by=dr_grey, **SPASTICITY)
    draft = preempt(alice, dr_grey)
    (record,) = build_snapshot(draft.pk).history
    assert (record.pathway, record.indication, record.source) == (
        None, "upper limb spasticity", "Rehab Hospital",
    )  # fmt: skip
    # 250 U elsewhere + 155 U planned = 405 U > 400 U in 3 months (label §1.5)
    found = codes(services.check_plan(draft, by=dr_grey))
    assert "cumulative_dose_exceeded" in found
    assert "retreatment_too_soon" not in found  # no muscles named: it covers none


def test_for_re_treatment_it_covers_the_muscles_it_names(alice, dr_grey):
    services.record_external_administration(
        alice, by=dr_grey, **{**SPASTICITY, "units": "50", "muscles": ["trapezius"]}
    )
    assert "retreatment_too_soon" in codes(services.check_plan(preempt(alice, dr_grey), by=dr_grey))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pathway_code": "chronic_migraine"}, "indication"),  # both
        ({"indication": "   "}, "pathway"),  # neither
        ({"indication": "x" * 201}, "indication"),
        ({"area": "chronic_migraine"}, "area"),  # an area belongs to a pathway
        ({"muscles": ["biceps_of_nowhere"]}, "muscles[0]"),
    ],
)
def test_a_bad_record_of_another_indication_is_refused_by_field(alice, dr_grey, change, field):
    with pytest.raises(InvalidInput) as refused:
        services.record_external_administration(alice, by=dr_grey, **{**SPASTICITY, **change})
    assert refused.value.field == field
    assert not ExternalAdministration.objects.exists()
