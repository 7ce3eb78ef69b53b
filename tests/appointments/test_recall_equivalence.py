"""The recall list (its stored due dates, `RecallDue`, refreshed by the services and the demo
loader) gives what the plain rule gives, patient by patient: the last signed session per
pathway, the domain's next visits over the patient's whole history with their wear-off dates
(`propose_next_visits`' reading), no upcoming appointment."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bonta.appointments.models import UPCOMING, Appointment
from bonta.appointments.services import recall_list
from bonta.appointments.services.proposals import area_history, session_wear_off
from bonta.appointments.services.recall import (
    _personal_recommended,
    _population_days,
    _start_of,
    _visit_days,
)
from bonta.cosmetic.models import WearOffReport
from bonta.cosmetic.services import record_wear_off
from bonta.demo.clinic import ensure_demo_users, generate
from bonta.domain.anatomy import areas, areas_of
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.scheduling import AreaTreatment, SignedSession, next_visits
from bonta.records import services
from bonta.records.models import Encounter, EncounterStatus, Patient
from bonta.records.snapshots import local_date, patient_history
from records.clinic import make_patient, make_vial, overriding

pytestmark = pytest.mark.django_db


def plain_rule(on: date, days: int, clinic: str | None = None) -> list[tuple]:
    """Every patient, one by one, as `propose_next_visits` reads them (slow, obviously right)."""
    last = on + timedelta(days=days - 1)
    found = []
    for patient in Patient.objects.all():
        upcoming = Appointment.objects.filter(
            patient=patient, status__in=UPCOMING, starts_at__gte=_start_of(on)
        )
        if upcoming.exists():
            continue
        if clinic is not None:
            latest = Appointment.objects.filter(patient=patient).order_by("-starts_at").first()
            if (latest.clinic if latest else "") != clinic:
                continue
        history = patient_history(patient.pk)
        wore_off = session_wear_off(patient.pk)
        for pathway in Pathway:
            signed = Encounter.objects.filter(
                patient=patient, pathway=pathway.value, status=EncounterStatus.SIGNED
            )
            latest_at = signed.aggregate(at=Max("at"))["at"]
            for session in signed.filter(at=latest_at):
                session_on = local_date(session.at)
                past = [h for h in history if h.on <= session_on]
                muscles = session.administrations.values_list("muscle", flat=True)
                due = []
                for area in areas_of(pathway, muscles):
                    key = SignedSession(session_on, pathway, session.product, area)
                    for day, kind in _visit_days(key, area_history(area, past, wore_off)):
                        if on <= day <= last:
                            due.append((day, kind, area))
                if due:
                    day, kind, _ = min(due)
                    chosen = tuple(sorted({a for d, k, a in due if (d, k) == (day, kind)}))
                    found.append((patient.pk, pathway.value, day, kind, chosen))
    return sorted(found, key=str)


def proposed(on: date, days: int, clinic: str | None = None, *, by) -> list[tuple]:
    return sorted(
        (
            (e.patient_id, e.pathway, e.due_on, e.kind, e.areas)
            for e in recall_list(on, days, clinic, by=by)
            if not e.booked
        ),
        key=str,
    )


WINDOWS = [(-200, 30), (-120, 90), (-60, 30), (-30, 7), (0, 30), (0, 1), (14, 60), (30, 90)]


def test_the_recall_list_agrees_with_the_plain_rule_over_a_demo_clinic():
    generate(150, seed=5)
    clinician = ensure_demo_users()["clinician"]
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    clinics = set(Appointment.objects.values_list("clinic", flat=True)) | {""}
    for clinic in clinics:
        assert proposed(today, 30, clinic, by=clinician) == plain_rule(today, 30, clinic)
    # The demo books most patients due soon; without its appointments every due one is listed.
    for booked in (True, False):
        if not booked:
            Appointment.objects.all().delete()
        listed = []
        for offset, days in WINDOWS:
            on = today + timedelta(days=offset)
            expected = plain_rule(on, days)
            assert proposed(on, days, by=clinician) == expected, (booked, offset, days)
            listed += expected
    kinds = {kind for _, _, _, kind, _ in listed}
    assert kinds == {"review", "touch_up", "cycle"}
    with_reports = WearOffReport.objects.filter(returned=True).values_list("patient_id", flat=True)
    assert len({patient for patient, *_ in listed} & set(with_reports)) > 5  # personal durations


def signed_xeomin(patient, by, at):
    vial = make_vial(
        by, product="xeomin", lot=f"X{at:%j}", reconstituted_at=at - timedelta(hours=1)
    )
    draft = services.open_encounter(
        patient,
        by=by,
        pathway="cosmetic",
        product="xeomin",
        at=at,
        protocol="glabellar_lines",
        vial=vial.pk,
    )
    return services.sign_encounter(draft, by)


def test_a_patients_own_long_duration_is_found_beyond_the_population_band(
    alice, dr_grey, nurse_noor
):
    """Xeomin has no population figure: without reports the touch-up is due at the label
    minimum; this patient's glabellar lines came back after 300 days, so theirs is later."""
    first_at = timezone.now() - timedelta(days=700)
    second_at = timezone.now() - timedelta(days=300)
    encounters = [signed_xeomin(alice, dr_grey, at) for at in (first_at, second_at)]
    record_wear_off(
        alice,
        encounter=encounters[0],
        area="glabellar_lines",
        returned=True,
        on=local_date(first_at) + timedelta(days=300),
        by=nurse_noor,
        source="staff",
    )
    bob = make_patient(dr_grey, "B-002", given_name="Bob")  # the same session, no reports
    signed_xeomin(bob, dr_grey, second_at)

    session_on = local_date(second_at)
    population = SignedSession(session_on, Pathway.COSMETIC, "xeomin", "glabellar_lines")
    assert _population_days(population)[0] < session_on + timedelta(days=150)
    on = session_on + timedelta(days=120)
    (entry,) = proposed(on, 120, by=dr_grey)
    assert entry == plain_rule(on, 120)[0]
    assert entry[0] == alice.pk
    assert entry[2] > session_on + timedelta(days=150)
    assert [e.patient_id for e in recall_list(session_on + timedelta(days=80), 30, by=dr_grey)] == [
        bob.pk
    ]


def test_the_personal_touch_up_date_is_the_domains_over_random_histories():
    """`_personal_recommended` composes the domain's functions as `touch_up_window` does."""
    rng = random.Random(3)
    cosmetic_areas = [a.code for a in areas().values() if a.pathway is Pathway.COSMETIC]
    checked = 0
    for _ in range(400):
        product = rng.choice(["botox_cosmetic", "xeomin", "jeuveau", "daxxify"])
        area = rng.choice(cosmetic_areas)
        day = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
        history = []
        for _ in range(rng.randrange(1, 6)):
            gap = rng.randrange(60, 400)
            wore_off = day + timedelta(days=rng.randrange(1, gap)) if rng.random() < 0.8 else None
            history.append(AreaTreatment(day, product, area, Decimal(20), wore_off))
            day += timedelta(days=gap)
        session = SignedSession(day, Pathway.COSMETIC, product, area)
        history.append(AreaTreatment(day, product, area, Decimal(20)))
        observed = [(h.on, h.wore_off_on) for h in history if h.wore_off_on is not None]
        try:
            expected = next_visits(session, history).treatment.recommended
        except InvalidInput:
            continue  # e.g. a product not labelled for this area
        if observed:
            assert _personal_recommended(session, observed) == expected, (session, history)
            checked += 1
    assert checked > 200


def test_reading_wear_off_for_many_patients_costs_the_same_queries_as_for_two(dr_grey, nurse_noor):
    """Personal durations and reviews are read set-based: the query count does not grow."""
    now = timezone.now()

    def treat(n):
        patient = make_patient(dr_grey, f"W-{n:03d}")
        first = signed_xeomin(patient, dr_grey, now - timedelta(days=300, hours=n))
        record_wear_off(
            patient,
            encounter=first,
            area="glabellar_lines",
            returned=True,
            on=local_date(first.at) + timedelta(days=100),
            by=nurse_noor,
            source="staff",
        )
        signed_xeomin(patient, dr_grey, now - timedelta(days=80, hours=n))
        signed_xeomin(make_patient(dr_grey, f"R-{n:03d}"), dr_grey, now - timedelta(days=10))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            listed = recall_list(local_date(now), 30, by=dr_grey)
        return len(captured.captured_queries), {e.kind for e in listed}

    treat(0)
    two = queries()
    for n in range(1, 5):
        treat(n)
    assert queries() == two
    assert two[1] == {"review", "touch_up"}


def signed(patient, by, at, protocol="glabellar_lines", product="botox_cosmetic"):
    """A signed cosmetic session; blocks (a second session too soon) overridden with a reason."""
    vial = make_vial(by, product=product, lot=f"S{at:%Y%j%H}", reconstituted_at=at)
    draft = services.open_encounter(
        patient,
        by=by,
        pathway="cosmetic",
        product=product,
        at=at,
        protocol=protocol,
        vial=vial.pk,
    )
    return services.sign_encounter(draft, by, overriding(services.check_plan(draft, by=by)))


def test_a_wear_off_date_after_a_back_dated_renewal_and_a_same_day_twin_agree_with_the_rule(
    alice, dr_grey, nurse_noor
):
    now = timezone.now()
    first = signed(alice, dr_grey, now - timedelta(days=400))
    record_wear_off(
        alice,
        encounter=first,
        area="glabellar_lines",
        returned=True,
        on=local_date(first.at) + timedelta(days=150),
        by=nurse_noor,
        source="staff",
    )
    signed(alice, dr_grey, now - timedelta(days=300))  # back-dated: treated it again before
    signed(alice, dr_grey, now - timedelta(days=110))
    bob = make_patient(dr_grey, "B-002", given_name="Bob")
    # Twins on one calendar day whatever the hour the test runs (at 22:00 "+2 h" was the next
    # day, and the second session renewed the first one's effect before its report).
    twin_at = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
    twin_at -= timedelta(days=400)
    reported = signed(bob, dr_grey, twin_at)
    signed(bob, dr_grey, twin_at + timedelta(hours=2), "forehead_and_glabellar_lines")
    record_wear_off(
        bob,
        encounter=reported,
        area="glabellar_lines",
        returned=True,
        on=local_date(twin_at) + timedelta(days=60),
        by=nurse_noor,
        source="staff",
    )
    signed(bob, dr_grey, now - timedelta(days=100))
    on = local_date(now) - timedelta(days=20)
    expected = plain_rule(on, 60)
    assert {patient for patient, *_ in expected} == {alice.pk, bob.pk}
    assert proposed(on, 60, by=dr_grey) == expected
