"""What the chart reads: one grouped query for the timeline and the history (the same history
`patient_history` gives), a fixed number of statements, and the panels reuse that history
within the request only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonta.domain.pathways import Pathway
from bonta.records import services
from bonta.records.models import ExternalAdministration
from bonta.records.snapshots import (
    build_snapshot,
    patient_history,
    reading_once,
    remember_history,
    remember_sessions,
    signed_sessions,
)
from bonta.web import queries
from records.clinic import SESSION_AT, glabellar_session, make_vial, preempt_session

pytestmark = pytest.mark.django_db


def treated(patient, by) -> None:
    """Both pathways signed, an imported record, and an open draft."""
    for n, at in enumerate([SESSION_AT - timedelta(weeks=26), SESSION_AT - timedelta(weeks=13)]):
        vial = make_vial(
            by, product="botox", size_units="200", diluent_ml="4", lot=f"B{n}", reconstituted_at=at
        )
        services.sign_encounter(preempt_session(patient, by, vial, at), by)
    at = SESSION_AT - timedelta(weeks=40)
    vial = make_vial(by, lot="C-1", reconstituted_at=at)
    services.sign_encounter(glabellar_session(patient, by, vial, at), by)
    ExternalAdministration.objects.create(
        patient=patient,
        on=date(2023, 5, 1),
        product="botox_cosmetic",
        units=Decimal(20),
        pathway="cosmetic",
        area="glabellar_lines",
        muscles=["corrugator", "procerus"],
        source_system="Elsewhere",
        source_id="E-1",
    )
    glabellar_session(patient, by, make_vial(by, lot="C-2"))  # a draft


def test_the_chart_gives_the_history_patient_history_gives(alice, dr_grey):
    treated(alice, dr_grey)
    chart = queries.patient_chart(alice.pk, by=dr_grey)
    assert sorted(chart.history, key=repr) == sorted(patient_history(alice.pk), key=repr)
    assert len(chart.history) == 4  # three signed sessions and the imported record
    assert [e.status for e in chart.encounters].count("draft") == 1
    assert chart.migraine_course


def test_the_charts_own_reads_are_a_fixed_handful_of_statements(alice, dr_grey):
    treated(alice, dr_grey)
    with CaptureQueriesContext(connection) as captured:
        queries.patient_chart(alice.pk, by=dr_grey)
    # BEGIN/COMMIT, patient, encounters, external records, adverse events, audit (2–3)
    assert len(captured) <= 9


def test_the_chart_page_reads_the_history_once(as_grey: Client, alice, dr_grey):
    treated(alice, dr_grey)
    as_grey.get("/patients/")  # the once-a-minute session touch happens here, not below
    with CaptureQueriesContext(connection) as captured:
        assert as_grey.get(f"/patients/{alice.pk}/").status_code == 200
    external_reads = [q for q in captured if '"records_externaladministration"' in q["sql"]]
    assert len(external_reads) == 1  # the panels' next-visit proposals reused the chart's
    assert [q["sql"] for q in captured].count("COMMIT") <= 1  # one transaction for the page


def test_a_page_memo_ends_with_the_page_and_never_feeds_the_safety_check(alice, dr_grey):
    treated(alice, dr_grey)
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="C-3"))
    with reading_once():
        remember_history(alice.pk, ())  # a page's stale read
        assert patient_history(alice.pk) == ()
        assert build_snapshot(draft.pk).history  # the check reads afresh
    assert patient_history(alice.pk)  # and outside the page nothing is remembered


def test_the_charts_signed_sessions_are_what_signed_sessions_reads(alice, dr_grey):
    """The chart's grouped read gives the panels the same signed encounters, with the same
    muscles, as `signed_sessions` reads on its own (drafts left out), for both pathways."""
    treated(alice, dr_grey)
    chart = queries.patient_chart(alice.pk, by=dr_grey)
    read = {way: signed_sessions(alice.pk, way) for way in Pathway}
    assert len(read[Pathway.CHRONIC_MIGRAINE]) == 2
    assert len(read[Pathway.COSMETIC]) == 1
    with reading_once():
        remember_sessions(alice.pk, chart.sessions)
        with CaptureQueriesContext(connection) as captured:
            remembered = {way: signed_sessions(alice.pk, way) for way in Pathway}
    assert remembered == read
    assert len(captured) == 0
    assert signed_sessions(alice.pk, Pathway.COSMETIC) == read[Pathway.COSMETIC]  # memo ended


def test_the_cosmetic_panel_reuses_the_charts_read_of_the_encounters(as_grey, alice, dr_grey):
    treated(alice, dr_grey)
    as_grey.get("/patients/")  # the once-a-minute session touch happens here, not below
    with CaptureQueriesContext(connection) as captured:
        html = as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert [q["sql"] for q in captured].count("COMMIT") <= 1
    # The consent panel's one query for the products the patient is treated with (which text
    # each needs) reads encounters too; it is not a re-read of the sessions.
    reads = [
        q["sql"]
        for q in captured
        if 'FROM "records_encounter"' in q["sql"] and not q["sql"].startswith("SELECT DISTINCT")
    ]
    assert len(reads) == 1
    assert "Next touch-up" in html  # the cosmetic panel did list the session
