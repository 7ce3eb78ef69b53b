"""The recall list's stored due dates (`RecallDue`): each event they derive from marks the
patient stale in its transaction (rolled back with it) and the rows are rewritten after it
commits; they equal the domain's proposals for the latest session, and a rebuild gives what
the incremental updates gave.

Tests run inside a transaction that never commits, so `committed()` runs the on-commit hooks of
the writes inside it (as a real commit would)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import TestCase

from bonta.appointments.models import RecallDue, RecallStale
from bonta.appointments.services import propose_next_visits
from bonta.appointments.services.recall import computed_rows, due_rows, rebuild, stored_rows
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


def committed():
    """Run the on-commit hooks of what is written inside, when it leaves the block."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def signed_glabellar(patient, by, at=SESSION_AT):
    vial = make_vial(by, lot=f"G{at:%Y%j}", reconstituted_at=at - timedelta(hours=1))
    draft = glabellar_session(patient, by, vial, at=at)
    with committed():
        return services.sign_encounter(draft, by)


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


def current(patient) -> set[tuple]:
    """The patient's due dates as the recall list reads them: recomputed while marked stale."""
    if RecallStale.objects.filter(patient=patient).exists():
        return {(r.encounter_id, r.area, r.kind, r.due_on) for r in due_rows([patient.pk])}
    return stored(patient)


def rolled_back(write, patient) -> set[tuple]:
    """Run `write` in a transaction that then fails; the patient's due dates as seen inside
    it (marked stale there, and nothing left of the mark or a refresh afterwards)."""
    seen: set[tuple] = set()
    before = stored(patient)
    with committed() as hooks:
        try:
            with transaction.atomic():
                write()
                assert RecallStale.objects.filter(patient=patient).exists()
                seen = current(patient)
                raise _Undo
        except _Undo:
            pass
    assert not hooks  # the hook went with the transaction
    assert not RecallStale.objects.filter(patient=patient).exists()
    assert stored(patient) == before
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
    with committed():
        migraine = services.sign_encounter(draft, dr_grey, overriding(findings))
    assert stored(alice) == proposed(latest, dr_grey) | proposed(migraine, dr_grey)
    assert stored_rows() == computed_rows([alice.pk])
    assert not RecallStale.objects.exists()  # every refresh cleared its mark


def test_a_sign_off_marks_the_patient_and_the_rows_follow_only_after_commit(alice, dr_grey):
    vial = make_vial(dr_grey, reconstituted_at=SESSION_AT - timedelta(hours=1))
    draft = glabellar_session(alice, dr_grey, vial)
    with committed() as hooks:
        signed = services.sign_encounter(draft, dr_grey)
        assert RecallStale.objects.filter(patient=alice).exists()
        assert not RecallDue.objects.exists()  # nothing recomputed inside the transaction
        assert current(alice) == proposed(signed, dr_grey)
    assert len(hooks) == 1
    assert stored(alice) == proposed(signed, dr_grey)
    assert not RecallStale.objects.exists()


def test_a_sign_off_rolled_back_leaves_no_row(alice, dr_grey):
    vial = make_vial(dr_grey, reconstituted_at=SESSION_AT - timedelta(hours=1))
    draft = glabellar_session(alice, dr_grey, vial)
    assert rolled_back(lambda: services.sign_encounter(draft, dr_grey), alice)
    assert not RecallDue.objects.exists()
    assert not RecallStale.objects.exists()


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
    with committed() as hooks:
        report(returned=False)  # movement not back: nothing to date
    assert not hooks
    assert stored(alice) == before
    with committed():
        report()
    assert stored(alice) != before
    assert stored(alice) == proposed(latest, dr_grey)


def test_a_follow_up_back_to_baseline_moves_the_touch_up(alice, dr_grey):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    latest = signed_glabellar(alice, dr_grey)
    before = stored(alice)
    for kind, day, encounter in (("baseline", 0, None), ("follow_up", 95, first)):
        with committed():
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
    with committed():
        imported()
    assert not RecallStale.objects.exists()
    assert {kind for _, _, kind, _ in stored(alice)} == {"touch_up"}
    assert stored(alice) == proposed(session, dr_grey)


def test_a_rebuild_gives_what_the_incremental_updates_gave(alice, dr_grey, nurse_noor):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    with committed():
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
