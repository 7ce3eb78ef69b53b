"""The database → Snapshot boundary: history, vials, the local session date, query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.records import services
from bonta.records.snapshots import build_snapshot

from .clinic import SESSION_AT, glabellar_session, injections, make_vial, preempt_session

pytestmark = pytest.mark.django_db


def test_history_has_one_record_per_signed_session_and_product_with_the_muscles_injected(
    alice, dr_grey
):
    earlier = SESSION_AT - timedelta(days=200)
    vial = make_vial(dr_grey, reconstituted_at=earlier - timedelta(hours=1))
    first = glabellar_session(alice, dr_grey, vial, at=earlier)
    services.sign_encounter(first, dr_grey)
    draft_elsewhere = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="L2"))
    today = preempt_session(
        alice, dr_grey, make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    )
    snapshot = build_snapshot(today.pk)
    assert snapshot.history == (
        PastTreatment(
            on=date(2024, 8, 15),
            product="botox_cosmetic",
            units=Decimal(20),
            pathway=Pathway.COSMETIC,
            muscles=frozenset({"corrugator", "procerus"}),
            source="local",
        ),
    )
    assert draft_elsewhere.status == "draft"  # drafts are plans, not history


def test_external_records_use_their_muscles_else_their_area_else_unknown(alice, dr_grey):
    common = {"by": dr_grey, "product": "botox", "units": "155", "source_system": "Neuro EHR"}
    services.record_external_administration(
        alice, on=date(2025, 1, 2), pathway_code="chronic_migraine", muscles=["trapezius"],
        **common,
    )  # fmt: skip
    services.record_external_administration(
        alice, on=date(2025, 1, 3), pathway_code="cosmetic", area="glabellar_lines", **common
    )
    services.record_external_administration(
        alice, on=date(2025, 1, 4), pathway_code="chronic_migraine", **common
    )
    today = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    history = build_snapshot(today.pk).history
    assert [(h.on.day, h.muscles, h.source) for h in history] == [
        (2, frozenset({"trapezius"}), "Neuro EHR"),
        (3, frozenset({"corrugator", "procerus"}), "Neuro EHR"),
        (4, None, "Neuro EHR"),
    ]


def test_a_vial_stands_with_its_draws_and_discards(alice, dr_grey, nurse_noor):
    vial = make_vial(dr_grey)
    services.sign_encounter(glabellar_session(alice, dr_grey, vial), dr_grey)
    services.discard_from_vial(vial, by=nurse_noor, units="10", reason="Dropped syringe")
    later = glabellar_session(alice, dr_grey, vial, at=SESSION_AT + timedelta(hours=2))
    state = build_snapshot(later.pk).plan.vials[str(vial.pk)]
    assert (state.units_drawn_before, state.units_discarded, state.units_remaining) == (
        Decimal(20),
        Decimal(10),
        Decimal(70),
    )


def test_the_session_date_is_the_clinics_local_date(alice, dr_grey, settings):
    settings.TIME_ZONE = "America/New_York"
    # 02:30 UTC on 3 March is still 2 March in New York (UTC−5 in winter).
    late_evening = datetime(2025, 3, 3, 2, 30, tzinfo=UTC)
    vial = make_vial(dr_grey, reconstituted_at=late_evening - timedelta(hours=1))
    assert build_snapshot(glabellar_session(alice, dr_grey, vial, at=late_evening).pk).on == date(
        2025, 3, 2
    )


def _sessions(patient, by, count):
    for week in range(count):
        at = SESSION_AT - timedelta(weeks=20 * (week + 1))
        vial = make_vial(by, lot=f"H{count}-{week}", reconstituted_at=at - timedelta(hours=1))
        encounter = services.open_encounter(
            patient, by=by, pathway="cosmetic", product="botox_cosmetic", at=at,
            injections=injections(("procerus", "midline", "1")), vial=vial.pk,
        )  # fmt: skip
        services.sign_encounter(encounter, by)


def _queries_for_snapshot(encounter_pk):
    with CaptureQueriesContext(connection) as captured:
        build_snapshot(encounter_pk)
    return len(captured)


def test_building_a_snapshot_takes_the_same_queries_for_any_history_length(alice, dr_grey):
    today = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    short = _queries_for_snapshot(today.pk)
    _sessions(alice, dr_grey, 12)
    for day in range(1, 6):
        services.record_external_administration(
            alice, by=dr_grey, on=date(2024, 1, day), product="dysport", units="50",
            pathway_code="cosmetic", source_system="Elsewhere",
        )  # fmt: skip
    assert len(build_snapshot(today.pk).history) == 17
    assert _queries_for_snapshot(today.pk) == short == 4  # encounter, plan+vial usage, history x2
