"""The recall list's stored due dates (`RecallDue`): written by the events they derive from, in
their transaction, equal to the domain's proposals for the latest session, and a rebuild gives
what the incremental updates gave."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from bonta.appointments.models import RecallDue
from bonta.appointments.services import propose_next_visits
from bonta.appointments.services.recall import computed_rows, rebuild, stored_rows
from bonta.cosmetic.services import record_assessment, record_wear_off
from bonta.demo.clinic import generate
from bonta.records import services
from bonta.records.models import Patient
from records.clinic import (
    SESSION_AT,
    glabellar_session,
    make_patient,
    make_vial,
    overriding,
    preempt_session,
)

pytestmark = pytest.mark.django_db

FIRST = SESSION_AT - timedelta(days=200)


def signed_glabellar(patient, by, at=SESSION_AT):
    vial = make_vial(by, lot=f"G{at:%Y%j}", reconstituted_at=at - timedelta(hours=1))
    return services.sign_encounter(glabellar_session(patient, by, vial, at=at), by)


def stored(patient) -> set[tuple]:
    return set(
        RecallDue.objects.filter(patient=patient).values_list(
            "encounter_id", "area", "kind", "due_on"
        )
    )


def proposed(encounter, by) -> set[tuple]:
    """What `propose_next_visits` (the chart's reading) gives for the session."""
    found = set()
    for proposal in propose_next_visits(encounter, by=by):
        visits = proposal.visits
        if visits is None:
            continue
        kind = "cycle" if encounter.pathway == "chronic_migraine" else "touch_up"
        found.add((encounter.pk, proposal.area, kind, visits.treatment.recommended))
        if visits.review is not None:
            found.add((encounter.pk, proposal.area, "review", visits.review.on))
    return found


class _Undo(Exception):
    pass


def rolled_back(write, patient) -> set[tuple]:
    """Run `write` in a transaction that then fails; the patient's rows as seen inside it."""
    seen: set[tuple] = set()
    try:
        with transaction.atomic():
            write()
            seen = stored(patient)
            raise _Undo
    except _Undo:
        pass
    return seen


def test_sign_off_stores_the_latest_sessions_due_dates(alice, dr_grey):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    assert {kind for _, _, kind, _ in stored(alice)} == {"touch_up", "review"}
    assert stored(alice) == proposed(first, dr_grey)
    latest = signed_glabellar(alice, dr_grey)
    assert stored(alice) == proposed(latest, dr_grey)  # the first's rows are gone
    assert {kind for _, _, kind, _ in stored(alice)} == {"touch_up"}  # not first in the area
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="M1")
    draft = preempt_session(alice, dr_grey, vial)  # same day: the crossover rule asks why
    findings = services.check_plan(draft, by=dr_grey)
    migraine = services.sign_encounter(draft, dr_grey, overriding(findings))
    assert stored(alice) == proposed(latest, dr_grey) | proposed(migraine, dr_grey)
    assert stored_rows() == computed_rows([alice.pk])


def test_a_sign_off_rolled_back_leaves_no_row(alice, dr_grey):
    vial = make_vial(dr_grey, reconstituted_at=SESSION_AT - timedelta(hours=1))
    draft = glabellar_session(alice, dr_grey, vial)
    assert rolled_back(lambda: services.sign_encounter(draft, dr_grey), alice)
    assert not RecallDue.objects.exists()


def test_a_wear_off_report_moves_the_touch_up_in_its_transaction(alice, dr_grey, nurse_noor):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    latest = signed_glabellar(alice, dr_grey)
    before = stored(alice)

    def report(returned=True):
        return record_wear_off(
            alice,
            encounter=first,
            area="glabellar_lines",
            returned=returned,
            on=FIRST.date() + timedelta(days=80),
            by=nurse_noor,
            source="staff",
        )

    assert rolled_back(report, alice) != before
    assert stored(alice) == before
    report(returned=False)  # movement not back: nothing to date
    assert stored(alice) == before
    report()
    assert stored(alice) != before
    assert stored(alice) == proposed(latest, dr_grey)


def test_a_follow_up_back_to_baseline_moves_the_touch_up(alice, dr_grey):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    latest = signed_glabellar(alice, dr_grey)
    before = stored(alice)
    for kind, day, encounter in (("baseline", 0, None), ("follow_up", 95, first)):
        record_assessment(
            alice,
            area="glabellar_lines",
            kind=kind,
            assessed_on=FIRST.date() + timedelta(days=day),
            grade_at_rest=1,
            grade_at_max=3,
            encounter=encounter,
            by=dr_grey,
        )
    assert stored(alice) != before
    assert stored(alice) == proposed(latest, dr_grey)


def test_an_imported_earlier_treatment_of_the_area_drops_the_review(alice, dr_grey):
    session = signed_glabellar(alice, dr_grey)
    assert "review" in {kind for _, _, kind, _ in stored(alice)}

    def imported():
        services.record_external_administration(
            alice, by=dr_grey, on=date(2024, 12, 1), product="botox_cosmetic", units="20",
            pathway_code="cosmetic", source_system="Elsewhere Clinic", area="glabellar_lines",
        )  # fmt: skip

    assert "review" not in {kind for _, _, kind, _ in rolled_back(imported, alice)}
    assert "review" in {kind for _, _, kind, _ in stored(alice)}
    imported()
    assert {kind for _, _, kind, _ in stored(alice)} == {"touch_up"}
    assert stored(alice) == proposed(session, dr_grey)


def test_a_rebuild_gives_what_the_incremental_updates_gave(alice, dr_grey, nurse_noor):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    record_wear_off(
        alice,
        encounter=first,
        area="glabellar_lines",
        returned=True,
        on=FIRST.date() + timedelta(days=60),
        by=nurse_noor,
        source="staff",
    )
    signed_glabellar(alice, dr_grey)
    bob = make_patient(dr_grey, "B-002", given_name="Bob")
    signed_glabellar(bob, dr_grey, at=FIRST + timedelta(days=3))
    generate(40, seed=9)  # the demo loader stores its patients' rows batch by batch
    incremental = stored_rows()
    assert {row[0] for row in incremental} >= {alice.pk, bob.pk}
    assert rebuild(chunk=7) == len(incremental)
    assert stored_rows() == incremental
    assert computed_rows(Patient.objects.values_list("id", flat=True)) == incremental


def test_the_command_rebuilds_and_checks(alice, dr_grey, capsys):
    signed_glabellar(alice, dr_grey)
    call_command("bonta_recall_rebuild", "--check")
    RecallDue.objects.filter(kind="review").delete()
    with pytest.raises(CommandError, match="1 rows missing, 0 rows extra"):
        call_command("bonta_recall_rebuild", "--check")
    call_command("bonta_recall_rebuild")
    call_command("bonta_recall_rebuild", "--check")
    assert "recall due dates are current (2 rows)" in capsys.readouterr().out
