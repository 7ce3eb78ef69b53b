"""NICE TA260 1.1 "appropriately managed for medication overuse": a clinician's stored statement.

Dr Grey (clinician) records it; Noor (nurse), Max (manager) and Rita (reception) may not. The
NICE initiation verdict reads the latest statement made on or before the date it judges; with
none it says "not recorded" and is not evaluable — never assumed managed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import OveruseManagement as Statement
from bonta.domain.headache.nice import overuse_management_as_of
from bonta.migraine import services
from bonta.migraine.assessment import overuse_history, record_overuse_management
from bonta.migraine.models import DiaryEntry, EnteredBy, OveruseManagement
from bonta.records.errors import NotAllowed

from .conftest import TODAY, signed_migraine_sessions

FIRST = date(2025, 6, 2)
NOTE = "Withdrew daily co-codamol in March; Alice Archer reviewed"


def eligible_baseline(patient) -> None:
    """20 headache days of which 10 migraine in the 28 days before FIRST; 3 preventives."""
    rows = []
    for n in range(28):
        on = FIRST - timedelta(days=28 - n)
        migraine = n < 10
        day = DiaryDay(
            on,
            headache=n < 20,
            hours=Decimal(6) if n < 20 else Decimal(0),
            intensity=3 if migraine else (1 if n < 20 else 0),
            unilateral=migraine,
            pulsating=migraine,
            nausea=migraine,
        )
        entry = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
        entry.copy_from(day)
        rows.append(entry)
    DiaryEntry.objects.bulk_create(rows)


@pytest.fixture
def candidate(alice, dr_grey):
    eligible_baseline(alice)
    signed_migraine_sessions(alice, dr_grey, FIRST)
    for drug in ("amitriptyline", "topiramate", "propranolol"):
        services.record_prior_preventive(
            alice, by=dr_grey, drug=drug, dose="as prescribed", reason_stopped="failed",
            duration_weeks=12,
        )  # fmt: skip
    return alice


def initiation(patient, as_of: date = TODAY):
    return services.summarize_snapshot(services.load_diary_snapshot(patient), as_of).initiation


# ---- recording ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clinician_records_it_and_the_audit_event_holds_no_note(alice, dr_grey):
    statement = record_overuse_management(
        alice, by=dr_grey, managed=True, recorded_on=date(2025, 6, 1), note=NOTE, today=TODAY
    )
    stored = OveruseManagement.objects.get()
    assert (stored.pk, stored.managed, stored.recorded_on, stored.note, stored.recorded_by) == (
        statement.pk,
        True,
        date(2025, 6, 1),
        NOTE,
        dr_grey,
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_id, event.patient_id, event.object_id) == (
        "overuse_management.record",
        dr_grey.pk,
        alice.pk,
        str(statement.pk),
    )
    assert event.detail == {"status": "managed"}
    assert "co-codamol" not in str(AuditEvent.objects.values_list())


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["nurse_noor", "max_manager", "rita_reception"])
def test_only_a_clinician_may_state_it(alice, who, request):
    user = request.getfixturevalue(who)
    before = AuditEvent.objects.count()
    with pytest.raises(NotAllowed):
        record_overuse_management(
            alice, by=user, managed=True, recorded_on=date(2025, 6, 1), today=TODAY
        )
    assert OveruseManagement.objects.count() == 0
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"managed": "yes"}, "managed"),
        ({"managed": None}, "managed"),
        ({"recorded_on": TODAY + timedelta(days=1)}, "recorded_on"),
        ({"recorded_on": "2025-06-01"}, "recorded_on"),
        ({"note": "x" * 501}, "note"),
        ({"note": 5}, "note"),
    ],
)
def test_bad_input_names_its_field_and_writes_nothing(alice, dr_grey, fields, field):
    values = {"managed": True, "recorded_on": date(2025, 6, 1), "note": ""} | fields
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as raised:
        record_overuse_management(alice, by=dr_grey, today=TODAY, **values)
    assert raised.value.field == field
    assert OveruseManagement.objects.count() == 0
    assert AuditEvent.objects.count() == before


# ---- what the NICE verdict reads ---------------------------------------------------------------


@pytest.mark.django_db
def test_not_recorded_is_a_reason_and_never_assumed_managed(candidate):
    found = initiation(candidate)
    assert found.chronic_migraine is Judgement.MET
    assert found.failed_preventives is Judgement.MET
    assert found.overuse_managed is Judgement.NOT_EVALUABLE
    assert not found.eligible
    assert found.reasons[2] == (
        "medication overuse appropriately managed (NICE TA260 1.1, a clinician's statement): "
        "not recorded: not_evaluable"
    )


@pytest.mark.django_db
def test_a_managed_statement_makes_the_candidate_eligible(candidate, dr_grey):
    record_overuse_management(
        candidate, by=dr_grey, managed=True, recorded_on=date(2025, 5, 20), today=TODAY
    )
    found = initiation(candidate)
    assert found.eligible
    assert found.overuse_statement == Statement(True, date(2025, 5, 20))
    assert found.reasons[2].endswith(": confirmed managed on 2025-05-20: met")


@pytest.mark.django_db
def test_the_latest_statement_wins_and_history_is_kept(candidate, dr_grey):
    record_overuse_management(
        candidate, by=dr_grey, managed=False, recorded_on=date(2025, 3, 1), today=TODAY
    )
    record_overuse_management(
        candidate, by=dr_grey, managed=True, recorded_on=date(2025, 5, 20), today=TODAY
    )
    assert initiation(candidate).eligible
    # As of 1 April only the March statement had been made: not managed.
    march = services.summarize_snapshot(
        services.load_diary_snapshot(candidate), date(2025, 4, 1)
    ).initiation
    assert march.overuse_managed is Judgement.NOT_MET
    assert march.reasons[2].endswith("recorded as not managed on 2025-03-01: not_met")
    # Later a clinician withdraws it: the newest statement counts again.
    record_overuse_management(
        candidate, by=dr_grey, managed=False, recorded_on=date(2025, 6, 20), today=TODAY
    )
    assert initiation(candidate).overuse_managed is Judgement.NOT_MET
    assert [s.managed for s in overuse_history(candidate)] == [False, True, False]


@pytest.mark.django_db
def test_the_summary_is_audited_and_shows_the_statement(candidate, dr_grey):
    record_overuse_management(
        candidate, by=dr_grey, managed=True, recorded_on=date(2025, 5, 20), today=TODAY
    )
    summary = services.diary_summary_for(candidate, TODAY, by=dr_grey)
    from bonta.domain.headache.summary import summary_as_dict

    nice = summary_as_dict(summary)["nice"]["initiation"]
    assert nice["overuse_management"] == {"managed": True, "recorded_on": "2025-05-20"}
    assert nice["criteria"]["overuse_managed"] == "met"


# ---- the rule, as a property -------------------------------------------------------------------

statements = st.lists(
    st.tuples(st.dates(date(2024, 1, 1), date(2025, 12, 31)), st.booleans()), max_size=12
)


@given(statements, st.dates(date(2024, 1, 1), date(2025, 12, 31)))
def test_the_statement_that_counts_is_the_last_recorded_of_the_latest_date_on_or_before(raw, as_of):
    made = [Statement(managed, on) for on, managed in raw]
    chosen = overuse_management_as_of(made, as_of)
    eligible = [s for s in made if s.recorded_on <= as_of]
    if not eligible:
        assert chosen is None
        return
    latest = max(s.recorded_on for s in eligible)
    assert chosen is [s for s in eligible if s.recorded_on == latest][-1]
