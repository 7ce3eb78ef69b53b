"""NICE TA260 at planning, through the database: `bonta.migraine.planning.nice_state` fills the
snapshot's NICE state (registered in PLANNING_CONTEXT) and the chronic-migraine check warns."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import Verdict
from bonta.domain.pathways import Pathway
from bonta.migraine import services
from bonta.migraine.assessment import record_overuse_management
from bonta.migraine.models import DiaryEntry, EnteredBy
from bonta.migraine.planning import nice_state
from bonta.records import services as records
from bonta.records.snapshots import PLANNING_CONTEXT, build_snapshot
from records.clinic import glabellar_session, make_vial, preempt_session

from .conftest import signed_migraine_sessions
from .test_overuse_management import FIRST, eligible_baseline

pytestmark = pytest.mark.django_db

NICE = {"nice_stopping_rule_met", "nice_review_not_evaluable", "nice_initiation_not_met"}


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def draft_on(patient, by, day: date):
    vial = make_vial(
        by, product="botox", size_units="200", diluent_ml="4", lot=f"N{day:%j}",
        reconstituted_at=at(day) - timedelta(hours=1),
    )  # fmt: skip
    return preempt_session(patient, by, vial, at(day))


def nice_codes(encounter, by) -> set[str]:
    return {f.code for f in records.check_plan(encounter, by=by)} & NICE


def headache_free_days(patient, start: date, end: date) -> None:
    rows = []
    day = start
    while day <= end:
        entry = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
        entry.copy_from(DiaryDay(day, headache=False))
        rows.append(entry)
        day += timedelta(days=1)
    DiaryEntry.objects.bulk_create(rows)


def test_the_migraine_app_registers_its_planning_context():
    assert PLANNING_CONTEXT["nice"] is nice_state


def test_a_first_cycle_with_nothing_recorded_warns_that_the_criteria_are_not_shown(alice, dr_grey):
    draft = draft_on(alice, dr_grey, FIRST)
    state = build_snapshot(draft.pk).nice
    assert state is not None
    assert (state.first_cycle, state.initiation, state.as_of) == (
        True, Judgement.NOT_EVALUABLE, FIRST,
    )  # fmt: skip
    (warning,) = [f for f in records.check_plan(draft, by=dr_grey) if f.code in NICE]
    assert warning.code == "nice_initiation_not_met"
    assert "not shown by the record" in warning.message
    assert "not recorded" in warning.message


def test_a_first_cycle_meeting_the_criteria_says_nothing(alice, dr_grey):
    eligible_baseline(alice)
    for drug in ("amitriptyline", "topiramate", "propranolol"):
        services.record_prior_preventive(
            alice, by=dr_grey, drug=drug, dose="as prescribed", reason_stopped="failed",
            duration_weeks=12,
        )  # fmt: skip
    record_overuse_management(
        alice, by=dr_grey, managed=True, recorded_on=FIRST - timedelta(days=1), today=FIRST
    )
    draft = draft_on(alice, dr_grey, FIRST)
    assert build_snapshot(draft.pk).nice.initiation is Judgement.MET
    assert nice_codes(draft, dr_grey) == set()


def test_a_course_that_became_episodic_warns_that_the_stopping_rule_is_met(alice, dr_grey):
    eligible_baseline(alice)  # 20 headache days in the 28 before FIRST
    signed_migraine_sessions(alice, dr_grey, FIRST, FIRST + timedelta(days=84))
    session_day = FIRST + timedelta(days=120)
    headache_free_days(alice, FIRST, session_day - timedelta(days=1))
    draft = draft_on(alice, dr_grey, session_day)
    state = build_snapshot(draft.pk).nice
    assert (state.first_cycle, state.verdict) == (False, Verdict.STOP_EPISODIC)
    (warning,) = [f for f in records.check_plan(draft, by=dr_grey) if f.code in NICE]
    assert warning.code == "nice_stopping_rule_met"
    assert session_day.isoformat() in warning.message
    assert "NICE-TA260-cur" in warning.source


def test_a_later_cycle_with_an_undecidable_diary_asks_for_a_review(alice, dr_grey):
    eligible_baseline(alice)
    signed_migraine_sessions(alice, dr_grey, FIRST, FIRST + timedelta(days=84))
    draft = draft_on(alice, dr_grey, FIRST + timedelta(days=120))  # no diary since FIRST
    assert build_snapshot(draft.pk).nice.verdict is Verdict.REVIEW_NOT_EVALUABLE
    assert nice_codes(draft, dr_grey) == {"nice_review_not_evaluable"}


def test_a_cosmetic_plan_reads_no_diary(alice, dr_grey):
    assert nice_state(alice.pk, Pathway.COSMETIC, FIRST) is None
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    assert build_snapshot(draft.pk).nice is None
