"""The chart: timeline of both pathways, dose ledger, open adverse events, flags banner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonta.records import services
from records.clinic import SESSION_AT, glabellar_session, make_patient, make_vial, preempt_session

pytestmark = pytest.mark.django_db


def sign_cycles(patient, by, cycles: int) -> None:
    """`cycles` PREEMPT sessions 13 weeks apart, plus a glabellar session between two."""
    for n in range(cycles):
        at = SESSION_AT - timedelta(weeks=13 * (cycles - n))
        vial = make_vial(
            by,
            product="botox",
            size_units="200",
            diluent_ml="4",
            lot=f"B{n}",
            reconstituted_at=at - timedelta(hours=1),
        )
        services.sign_encounter(preempt_session(patient, by, vial, at), by)
    at = SESSION_AT - timedelta(weeks=6)
    vial = make_vial(by, lot="C-x", reconstituted_at=at - timedelta(hours=1))
    services.sign_encounter(
        glabellar_session(patient, by, vial, at),
        by,
        [services.OverrideInput("retreatment_too_soon", "documented_clinical_need", "test")],
    )


def chart_queries(client: Client, patient) -> int:
    client.get("/patients/")  # the once-a-minute session touch happens here, not below
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/patients/{patient.pk}/").status_code == 200
    return len(captured)


def test_the_chart_query_count_does_not_grow_with_the_history(as_grey: Client, dr_grey):
    few = make_patient(dr_grey, "F", given_name="F", family_name="Few", birth_date=date(1980, 1, 1))
    many = make_patient(
        dr_grey, "M", given_name="M", family_name="Many", birth_date=date(1980, 1, 1)
    )
    sign_cycles(few, dr_grey, 1)
    sign_cycles(many, dr_grey, 8)
    assert chart_queries(as_grey, few) == chart_queries(as_grey, many)


def test_the_timeline_labels_each_pathway_in_words_and_colour(as_grey: Client, alice, dr_grey):
    sign_cycles(alice, dr_grey, 2)
    html = as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert html.count('class="tl tl-chronic_migraine"') == 2
    assert html.count('class="tl tl-cosmetic"') == 1
    assert (
        html.count(
            'pathway-chronic_migraine"><span class="pathway-mark" aria-hidden="true">●'
            "</span> Chronic migraine"
        )
        >= 2
    )
    assert "Cosmetic</span>" in html


def test_the_ledger_counts_units_in_the_label_window_and_dates_the_next_session(
    as_grey: Client, alice, dr_grey
):
    sign_cycles(alice, dr_grey, 2)
    response = as_grey.get(f"/patients/{alice.pk}/")
    (system,) = response.context["ledger"]
    assert system.unit_system == "onabotulinumtoxinA"
    today = response.context["today"]
    window_start = system.cumulative.start
    given = [(SESSION_AT - timedelta(weeks=w)).date() for w in (26, 13, 6)]
    units = {given[0]: 155, given[1]: 155, given[2]: 20}
    expected = sum(u for d, u in units.items() if window_start < d <= today)
    assert system.cumulative.units == expected
    lines = {a.area: a for a in system.areas}
    # The glabellar BOTOX Cosmetic session shares the corrugator and procerus with PREEMPT: the
    # next BOTOX cycle waits for the longer of BOTOX's 12 weeks and BOTOX Cosmetic's 90 days
    # after it, as the safety engine blocks it (issue 10, §11.3).
    assert lines["chronic_migraine"].next_allowed == given[2] + timedelta(days=90)
    assert "BOTOX Cosmetic's 90 days and BOTOX's 12 weeks" in lines["chronic_migraine"].explanation
    assert lines["glabellar_lines"].next_allowed == given[2] + timedelta(days=90)


def test_open_adverse_events_show_and_urgent_ones_say_to_seek_care(as_grey, alice, dr_grey):
    services.record_adverse_event(
        alice,
        by=dr_grey,
        type="bruising",
        onset=date(2025, 1, 2),
        severity="mild",
        outcome="resolved",
    )
    services.record_adverse_event(
        alice, by=dr_grey, type="dysphagia", onset=date(2025, 1, 3), severity="moderate"
    )
    html = as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert "Dysphagia" in html
    assert "URGENT" in html
    assert "seek medical care now" in html
    open_events = html.split('<section class="card events"', 1)[1].split("</section>", 1)[0]
    assert "Dysphagia" in open_events
    assert "Bruising" not in open_events  # resolved: not open (the reports panel lists it)


def test_reading_the_chart_is_audited(as_grey: Client, alice) -> None:
    from bonta.audit.models import AuditEvent

    as_grey.get(f"/patients/{alice.pk}/")
    event = AuditEvent.objects.get(action="patient.chart")
    assert event.patient_id == alice.pk


def test_a_chart_view_is_one_audit_event_listing_what_the_panels_showed(
    as_grey: Client, alice, dr_grey
) -> None:
    from bonta.audit.log import verify_chain
    from bonta.audit.models import AuditEvent

    sign_cycles(alice, dr_grey, 1)  # a signed session: the panels have something to read
    before = AuditEvent.objects.count()
    as_grey.get(f"/patients/{alice.pk}/")
    (event,) = AuditEvent.objects.order_by("id")[before:]
    assert (event.action, event.patient_id, event.actor_id) == (
        "patient.chart",
        alice.pk,
        dr_grey.pk,
    )
    shown = {part["action"] for part in event.detail["shown"]}
    assert "encounter.propose_next_visits" in shown  # the appointments panel's proposals
    assert verify_chain() is None


def test_the_charts_history_is_one_record_per_session_summed_over_its_points(
    alice, dr_grey
) -> None:
    from bonta.records.snapshots import patient_history

    sign_cycles(alice, dr_grey, 3)
    services.record_external_administration(
        alice,
        by=dr_grey,
        on=date(2024, 6, 1),
        product="dysport",
        units="50",
        pathway_code="cosmetic",
        source_system="Elsewhere",
        area="glabellar_lines",
    )
    history = patient_history(alice.pk)
    local = [h for h in history if h.source == "local"]
    assert [(h.product, h.units, len(h.muscles or ())) for h in local] == [
        *[("botox", 155, 7)] * 3,
        ("botox_cosmetic", 20, 2),
    ]
    (external,) = [h for h in history if h.source == "Elsewhere"]
    assert (external.product, external.units, external.muscles) == (
        "dysport",
        50,
        frozenset({"corrugator", "procerus"}),
    )
