"""Next-visit proposals read the patient's own wear-off dates (bonta.cosmetic)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bonta.appointments.services import propose_next_visits
from bonta.appointments.services.proposals import area_history, keyed_by_session_day
from bonta.cosmetic.services import record_assessment, record_wear_off
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.scheduling import AreaTreatment, SignedSession, next_visits
from bonta.records import services
from records.clinic import SESSION_AT, glabellar_session, make_vial

pytestmark = pytest.mark.django_db


def signed_glabellar(patient, by, at=SESSION_AT):
    vial = make_vial(by, lot=f"G{at:%Y%j}", reconstituted_at=at - timedelta(hours=1))
    return services.sign_encounter(glabellar_session(patient, by, vial, at=at), by)


FIRST = SESSION_AT - timedelta(days=200)  # 2024-08-15
SECOND = SESSION_AT - timedelta(days=100)  # 2024-11-23


def test_the_touch_up_uses_the_patients_own_durations(alice, dr_grey, nurse_noor):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    record_wear_off(
        alice,
        encounter=first,
        area="glabellar_lines",
        returned=True,
        on=FIRST.date() + timedelta(days=80),
        by=nurse_noor,
        source="staff",
    )
    latest = signed_glabellar(alice, dr_grey)
    (proposal,) = propose_next_visits(latest, by=dr_grey)
    window = proposal.visits.treatment
    assert window.basis == "personal"
    assert "your 1 recorded treatment of glabellar lines with BOTOX Cosmetic lasted 80 days" in (
        window.explanation
    )
    expected = next_visits(
        SignedSession(SESSION_AT.date(), Pathway.COSMETIC, "botox_cosmetic", "glabellar_lines"),
        [
            AreaTreatment(
                FIRST.date(),
                "botox_cosmetic",
                "glabellar_lines",
                Decimal(20),
                FIRST.date() + timedelta(80),
            ),
            AreaTreatment(SESSION_AT.date(), "botox_cosmetic", "glabellar_lines", Decimal(20)),
        ],
    )
    assert proposal.visits == expected


def test_a_follow_up_back_to_baseline_feeds_the_prediction(alice, dr_grey):
    first = signed_glabellar(alice, dr_grey, at=FIRST)
    record_assessment(
        alice,
        area="glabellar_lines",
        kind="baseline",
        assessed_on=FIRST.date(),
        grade_at_rest=1,
        grade_at_max=3,
        by=dr_grey,
    )
    record_assessment(
        alice,
        area="glabellar_lines",
        kind="follow_up",
        assessed_on=FIRST.date() + timedelta(days=95),
        grade_at_rest=1,
        grade_at_max=3,
        encounter=first,
        by=dr_grey,
    )
    (proposal,) = propose_next_visits(signed_glabellar(alice, dr_grey), by=dr_grey)
    assert proposal.visits.treatment.basis == "personal"
    assert "lasted 95 days" in proposal.visits.treatment.explanation


def test_without_wear_off_dates_the_basis_stays_population(alice, dr_grey):
    signed_glabellar(alice, dr_grey, at=FIRST)
    (proposal,) = propose_next_visits(signed_glabellar(alice, dr_grey), by=dr_grey)
    assert proposal.visits.treatment.basis == "population"


def test_area_history_attaches_dates_to_local_sessions_only_and_never_past_a_renewal():
    on1, on2 = date(2025, 1, 6), date(2025, 4, 7)
    local = PastTreatment(
        on1, "botox_cosmetic", Decimal(20), Pathway.COSMETIC, frozenset({"procerus"})
    )
    again = PastTreatment(
        on2, "botox_cosmetic", Decimal(20), Pathway.COSMETIC, frozenset({"procerus"})
    )
    imported = PastTreatment(
        on1, "botox_cosmetic", Decimal(20), Pathway.COSMETIC, frozenset({"procerus"}), "other EHR"
    )
    keyed = {(on1, "botox_cosmetic", "glabellar_lines"): date(2025, 4, 1)}
    found = area_history("glabellar_lines", [local, imported, again], keyed)
    assert [t.wore_off_on for t in found] == [date(2025, 4, 1), None, None]
    late = {(on1, "botox_cosmetic", "glabellar_lines"): date(2025, 4, 20)}  # after the renewal
    assert [t.wore_off_on for t in area_history("glabellar_lines", [local, again], late)] == [
        None,
        None,
    ]


def test_wear_off_dates_are_re_keyed_by_session_day_and_product():
    import uuid

    a, b = uuid.uuid4(), uuid.uuid4()
    dates = {(a, "glabellar_lines"): date(2025, 5, 1), (b, "glabellar_lines"): date(2025, 4, 1)}
    sessions = [(a, date(2025, 1, 6), "botox_cosmetic"), (b, date(2025, 1, 6), "botox_cosmetic")]
    assert keyed_by_session_day(dates, sessions) == {
        (date(2025, 1, 6), "botox_cosmetic", "glabellar_lines"): date(2025, 4, 1)
    }
