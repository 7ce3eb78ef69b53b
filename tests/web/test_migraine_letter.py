"""The chronic-migraine summary letter: one A4 page of the right numbers, staff only, audited.

Alice has two years of diary after a chronic-migraine baseline (24 headache days, 12 migraine
days; 16 a period on treatment), a PREEMPT session every 12 weeks (155 U BOTOX, a lot per
session), three failed preventives, a clinician's statement that overuse is managed, HIT-6 and
MIDAS at baseline and later — and one cosmetic glabellar session, which the letter must never
show.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.migraine import services
from bonta.migraine.assessment import record_overuse_management
from bonta.migraine.letter import migraine_letter
from bonta.migraine.letter_pdf import render_migraine_letter
from bonta.migraine.models import DiaryEntry, EnteredBy
from bonta.migraine.services import local_today
from bonta.records.models import (
    Administration,
    Course,
    Encounter,
    EncounterStatus,
    Patient,
)
from records.clinic import make_patient, make_vial

from .pdftext import page_count, pdf_text

TODAY = local_today()


def day(on: date, headache: bool, migraine: bool = False) -> DiaryDay:
    if not headache:
        return DiaryDay(on, headache=False)
    return DiaryDay(
        on,
        headache=True,
        hours=Decimal(6),
        intensity=3 if migraine else 1,
        unilateral=migraine,
        pulsating=migraine,
        nausea=migraine,
        acute_medication=frozenset({MedicationClass.TRIPTAN} if migraine else ()),
    )


def write_diary(patient: Patient, first_injection: date, until: date) -> None:
    """Baseline: 24 headache days (12 migraine) in 28; then 16 (6 migraine) per 28: a third
    fewer, still chronic (no episodic stop)."""
    rows = []
    on = first_injection - timedelta(days=28)
    while on <= until:
        n = (on - first_injection).days % 28
        entry = day(on, n < 24, n < 12) if on < first_injection else day(on, n < 16, n < 6)
        row = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
        row.copy_from(entry)
        rows.append(row)
        on += timedelta(days=1)
    DiaryEntry.objects.bulk_create(rows)


def signed_session(
    patient: Patient, by: User, on: date, pathway: str, product: str, lot: str, units: list[str]
) -> Encounter:
    """A signed session with its administrations, written as an import would."""
    course, _ = Course.objects.get_or_create(
        patient=patient, pathway=pathway, defaults={"started_on": on}
    )
    at = datetime.combine(on, time(10), tzinfo=UTC)
    encounter = Encounter.objects.create(
        patient=patient, course=course, pathway=pathway, at=at, product=product, clinician=by
    )
    vial = make_vial(by, product=product, size_units="200", diluent_ml="4", lot=lot)
    Administration.objects.bulk_create(
        Administration(
            encounter=encounter,
            position=i,
            product=product,
            muscle="frontalis",
            side="left",
            units=Decimal(u),
            vial=vial,
            lot=lot,
        )
        for i, u in enumerate(units)
    )
    Encounter.objects.filter(pk=encounter.pk).update(
        status=EncounterStatus.SIGNED, signed_by=by, signed_at=at
    )
    return encounter


def two_year_history(patient: Patient, by: User, years: int = 2) -> list[date]:
    first = TODAY - timedelta(days=365 * years)
    sessions = [first + timedelta(days=84 * k) for k in range(365 * years // 84 + 1)]
    sessions = [d for d in sessions if d <= TODAY]
    for n, on in enumerate(sessions, start=1):
        signed_session(patient, by, on, "chronic_migraine", "botox", f"MIG-{n:03d}", ["5"] * 31)
    write_diary(patient, first, TODAY)
    for drug, reason in (("amitriptyline", "failed"), ("topiramate", "not_tolerated")):
        services.record_prior_preventive(
            patient, by=by, drug=drug, dose="50 mg daily", reason_stopped=reason, duration_weeks=12
        )
    services.record_prior_preventive(
        patient, by=by, drug="propranolol", dose="", reason_stopped="unsuitable"
    )
    record_overuse_management(
        patient, by=by, managed=True, recorded_on=first - timedelta(days=3), note="private note"
    )
    hit6 = {"always": first - timedelta(days=2), "very_often": TODAY - timedelta(days=1)}
    for answer, on in hit6.items():
        services.record_questionnaire(
            patient, "hit6", {f"item_{n}": answer for n in range(1, 7)}, by=by, completed_on=on
        )
    services.record_questionnaire(
        patient, "midas", {"q1": 10, "q2": 10, "q3": 5, "q4": 5, "q5": 5}, by=by,
        completed_on=first - timedelta(days=2),
    )  # fmt: skip
    services.record_questionnaire(
        patient, "midas", {"q1": 1, "q2": 2, "q3": 1, "q4": 1, "q5": 2}, by=by,
        completed_on=TODAY - timedelta(days=1),
    )  # fmt: skip
    return sessions


@pytest.fixture
def alice_history(alice: Patient, dr_grey: User) -> list[date]:
    sessions = two_year_history(alice, dr_grey)
    signed_session(
        alice, dr_grey, TODAY - timedelta(days=30), "cosmetic", "botox_cosmetic", "COSM-777",
        ["4"] * 5,
    )  # fmt: skip
    return sessions


def letter_url(patient: Patient) -> str:
    return f"/patients/{patient.pk}/letters/migraine-summary.pdf"


def fetch(client: Client, patient: Patient) -> bytes:
    response = client.get(letter_url(patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def text_of(pdf: bytes) -> str:
    """The page's text with lines joined by single spaces (a wrapped phrase reads whole)."""
    return " ".join(" ".join(pdf_text(pdf)).split())


# ---- content -----------------------------------------------------------------------------------


def test_a_two_year_letter_is_one_page_with_the_identifiers(
    as_grey: Client, alice: Patient, alice_history: list[date]
) -> None:
    pdf = fetch(as_grey, alice)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    text = text_of(pdf)
    assert "Botulinum toxin type A for chronic migraine — continuation summary" in text
    assert "Alice Archer" in text
    assert "1985-05-17" in text
    assert "A-001" in text
    assert TODAY.isoformat() in text


def test_it_shows_baseline_and_latest_period_with_responder_status(
    dr_grey: User, alice: Patient, alice_history: list[date]
) -> None:
    letter = migraine_letter(alice, TODAY, by=dr_grey)
    assert letter.baseline is not None
    assert letter.latest is not None
    base, latest = letter.baseline, letter.latest
    assert (base["headache_days"], base["migraine_days"], base["days_recorded"]) == (24, 12, 28)
    assert (latest["headache_days"], latest["migraine_days"]) == (16, 6)
    assert latest["responder"] == {"30": "met", "50": "not_met"}
    text = text_of(render_migraine_letter(letter, compress=False))
    runs = pdf_text(render_migraine_letter(letter))
    assert text == " ".join(" ".join(runs).split())  # compressed or not, the same text
    assert f"Baseline ({base['start']} to {base['end']})" in text
    assert (
        f"Latest complete period: {latest['label']} ({latest['start']} to {latest['end']})" in text
    )
    assert "28 of 28 (0 missing)" in text
    assert "Reduction in headache days vs baseline" in text
    assert "33.3 %" in text
    assert "Responder ≥30 % (NICE TA260 1.2)" in text
    assert "Responder ≥50 % (reporting convention)" in text
    assert "yes (met)" in text
    assert "no (not met)" in text


def test_it_gives_both_nice_verdicts_with_their_reasons(
    dr_grey: User, alice: Patient, alice_history: list[date]
) -> None:
    letter = migraine_letter(alice, TODAY, by=dr_grey)
    text = text_of(render_migraine_letter(letter))
    nice = letter.summary["nice"]
    assert nice["initiation"]["eligible"] is True
    assert nice["continuation"]["verdict"] == "continue"
    assert "Initiation (TA260 1.1): eligible" in text
    assert "Continuation (TA260 1.2): continue treatment" in text
    flat = "".join(text.split())  # runs split at entities ("<") as well as at line ends
    for reason in nice["initiation"]["reasons"] + nice["continuation"]["reasons"]:
        assert "".join(reason.split()) in flat


def test_it_lists_preventives_overuse_scores_and_migraine_injections_only(
    dr_grey: User, alice: Patient, alice_history: list[date]
) -> None:
    letter = migraine_letter(alice, TODAY, by=dr_grey)
    text = text_of(render_migraine_letter(letter))
    assert "Prior preventive medicines (3 recorded)" in text
    for expected in ("amitriptyline", "50 mg daily", "12 weeks", "Did not work", "Not tolerated"):
        assert expected in text
    assert "never taken" in text  # propranolol: unsuitable
    stated = (alice_history[0] - timedelta(days=3)).isoformat()
    assert f"yes, stated on {stated} by dr_grey" in text
    assert "private note" not in text
    assert f"78 (Severe impact, 60–78) on {(alice_history[0] - timedelta(days=2))}" in text
    assert "66 (Severe impact, 60–78)" in text  # very often × 6
    assert "35 (grade IV, Severe disability, ≥21)" in text
    assert "7 (grade II, Mild disability, 6–10)" in text
    assert f"({len(alice_history)})" in text
    shown = alice_history[-12:]
    assert f"MIG-{len(alice_history):03d}" in text
    assert shown[-1].isoformat() in text
    assert "155 U BOTOX (onabotulinumtoxinA)" in text
    assert "COSM-777" not in text
    assert "BOTOX Cosmetic" not in text
    assert [r.lots for r in letter.injections] == [
        (f"MIG-{n:03d}",) for n in range(1, len(alice_history) + 1)
    ]


def test_without_a_diary_or_injection_the_letter_says_not_yet_evaluable_and_why(
    as_grey: Client, dr_grey: User
) -> None:
    bob = make_patient(dr_grey, record_number="B-002", given_name="Bob", family_name="Baker")
    Course.objects.create(patient=bob, pathway="chronic_migraine", started_on=TODAY)
    pdf = fetch(as_grey, bob)
    assert page_count(pdf) == 1
    text = text_of(pdf)
    assert "initiation summary" in text
    assert "not yet evaluable: no chronic-migraine injection signed yet" in text
    assert "Continuation (TA260 1.2): not yet evaluable" in text
    # No diary and no prior preventive recorded: neither is guessed (never "0 of 3").
    assert "Initiation (TA260 1.1): not yet evaluable" in text
    assert "unsuitable (NICE TA260 1.1: ≥3): not recorded" in text
    assert "not recorded (the NICE criterion is not evaluable until a clinician states it)" in text
    assert "No chronic-migraine session signed yet." in text
    assert "Prior preventive medicines (0 recorded)" in text


def test_ten_years_still_fit_on_one_page(dr_grey: User, alice: Patient) -> None:
    sessions = two_year_history(alice, dr_grey, years=10)
    letter = migraine_letter(alice, TODAY, by=dr_grey)
    pdf = render_migraine_letter(letter)
    assert page_count(pdf) == 1
    text = text_of(pdf)
    assert f"The latest 12; {len(sessions) - 12} earlier session(s) since {sessions[0]}." in text
    assert f"… and {len(sessions) - 6} earlier cycle(s), not listed." in text


def test_the_same_letter_gives_the_same_bytes(
    dr_grey: User, alice: Patient, alice_history: list[date]
) -> None:
    letter = migraine_letter(alice, TODAY, by=dr_grey)
    assert render_migraine_letter(letter) == render_migraine_letter(letter)


# ---- who may have it ---------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["as_grey", "as_noor", "as_max"])
def test_clinical_staff_get_it_and_the_read_is_audited_without_names(
    client_name: str, alice: Patient, alice_history: list[date], request: pytest.FixtureRequest
) -> None:
    client = request.getfixturevalue(client_name)
    fetch(client, alice)
    event = AuditEvent.objects.filter(action="letter.migraine_summary").get()
    assert event.patient_id == alice.pk
    assert event.detail == {"kind": "migraine_summary", "count": len(alice_history)}
    assert "Alice" not in str(event.detail)


def test_reception_is_refused_and_nothing_is_audited_as_a_letter(
    as_rita: Client, alice: Patient, alice_history: list[date]
) -> None:
    response = as_rita.get(letter_url(alice))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="letter.migraine_summary").exists()


def test_a_patient_without_a_migraine_course_has_no_letter(as_grey: Client, dr_grey: User) -> None:
    other = make_patient(dr_grey, record_number="C-003")
    assert as_grey.get(letter_url(other)).status_code == 404
    assert not AuditEvent.objects.filter(action="letter.migraine_summary").exists()


def test_the_diary_page_links_to_the_letter(
    as_grey: Client, alice: Patient, alice_history: list[date]
) -> None:
    html = as_grey.get(f"/patients/{alice.pk}/diary/").content.decode()
    assert re.search(rf'href="{re.escape(letter_url(alice))}"', html)
