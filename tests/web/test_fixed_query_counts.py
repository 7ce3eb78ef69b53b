"""The chart page and the live check cost the same number of SQL statements whatever the
patient's history: one signed session, or twenty over both pathways and four products with
imported records, a diary, wrinkle-scale assessments and wear-off reports in several areas.

Counted with `CaptureQueriesContext` (BEGIN/SAVEPOINT/COMMIT included) on whichever engine the
suite runs on (SQLite by default, PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonta.accounts.models import User
from bonta.cosmetic import services as cosmetic
from bonta.domain.headache.days import DiaryDay
from bonta.migraine.models import DiaryEntry, EnteredBy
from bonta.records import services
from bonta.records.errors import SignRefused
from bonta.records.models import Encounter, ExternalAdministration, Patient
from bonta.records.snapshots import local_date
from records.clinic import SESSION_AT, make_patient, make_vial, overriding

pytestmark = pytest.mark.django_db

# (pathway, product, protocol, vial size, diluent): the sessions of a long history, in turn.
SESSIONS = [
    ("chronic_migraine", "botox", "preempt_fixed_site", "200", "4"),
    ("cosmetic", "botox_cosmetic", "glabellar_lines", "100", "2.5"),
    ("cosmetic", "botox_cosmetic", "lateral_canthal_lines", "100", "2.5"),
    ("chronic_migraine", "botox", "preempt_fixed_site", "200", "4"),
    ("cosmetic", "dysport", "glabellar_lines", "300", "2.5"),
    ("cosmetic", "botox_cosmetic", "forehead_and_glabellar_lines", "100", "2.5"),
    ("cosmetic", "xeomin", "glabellar_lines", "100", "2.5"),
]


def sign(draft: Encounter, by: User) -> Encounter:
    """Sign as it stands; when a clinical block (an interval, a cumulative dose) refuses it,
    sign with a documented reason for each, as the clinic would for this history."""
    try:
        return services.sign_encounter(draft, by)
    except SignRefused:
        findings, _ = services.review_plan(draft, by=by)
        return services.sign_encounter(draft, by, overriding(findings))


def draft(patient: Patient, by: User, n: int, at, kind: int) -> Encounter:
    pathway, product, protocol, size, diluent = SESSIONS[kind % len(SESSIONS)]
    vial = make_vial(
        by,
        product=product,
        size_units=size,
        diluent_ml=diluent,
        lot=f"L{patient.record_number}-{n}",
        reconstituted_at=at - timedelta(hours=1),
    )
    return services.open_encounter(
        patient, by=by, pathway=pathway, product=product, at=at, protocol=protocol, vial=vial.pk
    )


def history(patient: Patient, by: User, sessions: int) -> list[Encounter]:
    """`sessions` signed sessions five weeks apart, ending a week before SESSION_AT."""
    signed = []
    for n in range(sessions):
        at = SESSION_AT - timedelta(weeks=1 + 5 * (sessions - 1 - n))
        signed.append(sign(draft(patient, by, n, at, n), by))
    return signed


def extras(patient: Patient, by: User, signed: list[Encounter], external: int, diary: int) -> None:
    """Imported records, diary days, and per treated cosmetic area a baseline, a follow-up and
    a wear-off report for its sessions."""
    for n in range(external):
        ExternalAdministration.objects.create(
            patient=patient,
            on=date(2019, 1, 1) + timedelta(days=100 * n),
            product="botox_cosmetic",
            units=Decimal(20),
            pathway="cosmetic",
            area="glabellar_lines",
            muscles=["corrugator", "procerus"],
            source_system="Elsewhere",
            source_id=f"E-{n}",
        )
    first = local_date(signed[0].at) - timedelta(days=diary)
    rows = []
    for n in range(diary):
        entry = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
        entry.copy_from(DiaryDay(first + timedelta(days=n), headache=n % 3 == 0))
        rows.append(entry)
    DiaryEntry.objects.bulk_create(rows)
    baselined: set[str] = set()
    for session in signed:
        if session.pathway != "cosmetic":
            continue
        area = _area_of(session)
        on = local_date(session.at)
        if area not in baselined:
            cosmetic.record_assessment(
                patient, area=area, kind="baseline", assessed_on=on - timedelta(days=7),
                grade_at_rest=2, grade_at_max=3, by=by,
            )  # fmt: skip
            baselined.add(area)
        cosmetic.record_assessment(
            patient, area=area, kind="follow_up", assessed_on=on + timedelta(days=14),
            grade_at_rest=0, grade_at_max=1, by=by, encounter=session,
        )  # fmt: skip
        cosmetic.record_wear_off(
            patient, encounter=session, area=area, returned=True, on=on + timedelta(days=28),
            by=by, source="staff",
        )  # fmt: skip


def _area_of(session: Encounter) -> str:
    return {
        "glabellar_lines": "glabellar_lines",
        "lateral_canthal_lines": "lateral_canthal_lines",
        "forehead_and_glabellar_lines": "forehead_lines",
    }[session.protocol]


@pytest.fixture
def short(dr_grey: User) -> Patient:
    """One signed session (PREEMPT), nothing else."""
    patient = make_patient(dr_grey, "S-1", given_name="Sam", family_name="Short")
    history(patient, dr_grey, 1)
    return patient


@pytest.fixture
def long(dr_grey: User) -> Patient:
    """Twenty signed sessions over both pathways and four products, five imported records,
    120 diary days, wrinkle-scale ratings and wear-off reports in three areas."""
    patient = make_patient(dr_grey, "L-1", given_name="Lee", family_name="Long")
    extras(patient, dr_grey, history(patient, dr_grey, 20), external=5, diary=120)
    return patient


def statements(client: Client, request) -> int:
    client.get("/patients/")  # the once-a-minute session touch happens here, not below
    with CaptureQueriesContext(connection) as captured:
        response = request()
        assert response.status_code == 200
    return len(captured)


def chart(client: Client, patient: Patient) -> int:
    return statements(client, lambda: client.get(f"/patients/{patient.pk}/"))


def live_check(client: Client, patient: Patient, by: User, kind: int) -> int:
    """One live check of a fresh draft's plan (as the workspace posts it on every change)."""
    encounter = draft(patient, by, 99, SESSION_AT, kind)
    rows = list(encounter.plan.all())
    body = {
        "point": [r.point for r in rows],
        "units": [str(r.units) for r in rows],
        "vial": str(rows[0].vial_id),
        "action": "update",
    }
    url = f"/encounters/{encounter.pk}/plan/"
    headers = {"HX-Request": "true"}
    assert client.post(url, body, headers=headers).status_code == 200
    return statements(client, lambda: client.post(url, body, headers=headers))


def test_the_long_history_is_what_it_says(long: Patient) -> None:
    assert long.encounters.filter(status="signed").count() == 20
    assert set(long.encounters.values_list("product", flat=True)) == {
        "botox", "botox_cosmetic", "dysport", "xeomin",
    }  # fmt: skip
    assert long.diary_entries.count() == 120
    assert long.external_administrations.count() == 5


def test_the_chart_costs_the_same_statements_for_one_session_or_twenty(
    as_grey: Client, short: Patient, long: Patient
) -> None:
    assert chart(as_grey, long) == chart(as_grey, short)


def test_the_cosmetic_live_check_costs_the_same_for_one_session_or_twenty(
    as_grey: Client, dr_grey: User, short: Patient, long: Patient
) -> None:
    assert live_check(as_grey, long, dr_grey, 1) == live_check(as_grey, short, dr_grey, 1)


def test_the_migraine_live_check_costs_the_same_for_one_session_or_twenty(
    as_grey: Client, dr_grey: User, short: Patient, long: Patient
) -> None:
    assert live_check(as_grey, long, dr_grey, 0) == live_check(as_grey, short, dr_grey, 0)


def test_the_cosmetic_panels_touch_ups_are_what_propose_next_visits_gives(
    as_grey: Client, dr_grey: User, long: Patient
) -> None:
    """Worked out from the panel's own reads, the same proposals per area and the same audit
    entry per latest session as `propose_next_visits` (two sessions here: the upper face's,
    and the lateral canthal lines' three sessions earlier)."""
    from bonta.appointments.services import propose_next_visits
    from bonta.audit.models import AuditEvent
    from bonta.cosmetic.panel import panel_context

    areas = panel_context(long, dr_grey, on_chart=True)["areas"]
    latest = Encounter.objects.filter(
        pk__in={a.status.durations[-1].encounter_id for a in areas}
    ).order_by("at")
    expected = {e.pk: propose_next_visits(e, by=dr_grey) for e in latest}
    assert len(expected) == 2
    for a in areas:
        (proposal,) = [
            p for p in expected[a.status.durations[-1].encounter_id] if p.area == a.status.area
        ]
        assert a.proposal == proposal
    assert any(a.basis_label.startswith("personal") for a in areas)  # wear-off dates used

    before = AuditEvent.objects.count()
    as_grey.get(f"/patients/{long.pk}/")
    (event,) = AuditEvent.objects.order_by("id")[before:]
    shown = [p for p in event.detail["shown"] if p["action"] == "encounter.propose_next_visits"]
    assert shown == [
        {
            "action": "encounter.propose_next_visits",
            "object_type": "encounter",
            "object_id": str(pk),
            "count": sum(1 for p in proposals if p.visits is not None),
        }
        for pk, proposals in expected.items()
    ]


def test_the_cosmetic_panel_reads_inside_the_charts_transaction_without_a_savepoint(
    as_grey: Client, long: Patient
) -> None:
    as_grey.get("/patients/")
    with CaptureQueriesContext(connection) as captured:
        as_grey.get(f"/patients/{long.pk}/")
    sql = [q["sql"] for q in captured]
    first = next(i for i, s in enumerate(sql) if '"cosmetic_cosmeticassessment"' in s)
    assert not sql[first - 1].startswith("SAVEPOINT")
    assert sql.count("COMMIT") <= 1
