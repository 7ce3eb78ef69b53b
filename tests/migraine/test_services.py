"""Diary days, CSV import/export, questionnaires and prior preventives through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.domain.pathways import Pathway
from bonta.migraine import services
from bonta.migraine.diary_csv import COLUMNS, DiaryImportError
from bonta.migraine.models import (
    MEDICATION_BITS,
    DiaryEntry,
    EnteredBy,
    PriorPreventive,
    QuestionnaireResponse,
)
from bonta.records.errors import NotAllowed

from .conftest import TODAY, signed_migraine_sessions

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def migraine(on: date, **kwargs: object) -> DiaryDay:
    fields: dict[str, object] = {
        "headache": True,
        "hours": Decimal(6),
        "intensity": 3,
        "unilateral": True,
        "pulsating": True,
        "nausea": True,
        "acute_medication": frozenset({MedicationClass.TRIPTAN, MedicationClass.SIMPLE_ANALGESIC}),
    }
    fields.update(kwargs)
    return DiaryDay(on=on, **fields)  # type: ignore[arg-type]


def row(on: str, headache: str = "1", hours: str = "5", medication: str = "triptan") -> str:
    flags = ["1", "0", "1", "0", "1", "0", "0", "0", "0", "0", "0"]  # unilateral…relieved
    return ",".join([on, headache, hours, "3", *flags[:10], medication])


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# ---- record_diary_day --------------------------------------------------------------------------


def test_alice_records_her_own_day_and_it_reads_back_the_same(alice):
    day = migraine(date(2025, 6, 1))
    entry = services.record_diary_day(alice, day, by=alice, today=TODAY)
    stored = DiaryEntry.objects.get(pk=entry.pk)
    assert stored.to_domain() == day
    assert stored.entered_by == EnteredBy.PATIENT
    assert stored.recorded_by is None
    assert stored.acute_medication == (
        MEDICATION_BITS[MedicationClass.TRIPTAN] | MEDICATION_BITS[MedicationClass.SIMPLE_ANALGESIC]
    )


def test_a_nurse_correcting_a_day_overwrites_it_and_is_audited_with_the_fields(alice, nurse_noor):
    services.record_diary_day(alice, migraine(date(2025, 6, 1)), by=alice, today=TODAY)
    corrected = migraine(date(2025, 6, 1), hours=Decimal(2), intensity=1)
    services.record_diary_day(alice, corrected, by=nurse_noor, today=TODAY)
    entry = DiaryEntry.objects.get(patient=alice)
    assert entry.to_domain() == corrected
    assert (entry.entered_by, entry.recorded_by) == (EnteredBy.STAFF, nurse_noor)
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.actor_id, last.patient_id) == (
        "diary.correct",
        nurse_noor.pk,
        alice.pk,
    )
    assert last.detail == {"status": "staff", "fields": ["hours", "intensity"]}


def test_a_future_day_is_refused_and_nothing_is_written(alice):
    with pytest.raises(InvalidInput, match="in the future") as error:
        services.record_diary_day(alice, migraine(TODAY + timedelta(days=1)), by=alice, today=TODAY)
    assert error.value.field == "date"
    assert not DiaryEntry.objects.exists()
    # Only the fixture's own events: the patient and its consents (one per product's text).
    assert [a for a in audit_actions() if a != "consent.sign"] == ["patient.create"]


def test_bob_cannot_write_in_alices_diary(alice, bob):
    with pytest.raises(NotAllowed):
        services.record_diary_day(alice, migraine(date(2025, 6, 1)), by=bob, today=TODAY)
    assert not DiaryEntry.objects.exists()


@pytest.mark.parametrize("persona", ["rita_reception", "max_manager"])
def test_reception_and_the_manager_cannot_enter_diary_days(alice, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.record_diary_day(alice, migraine(date(2025, 6, 1)), by=user, today=TODAY)
    assert not DiaryEntry.objects.exists()


def test_an_impossible_day_is_refused_by_the_domain_before_the_service_sees_it():
    with pytest.raises(InvalidInput, match="between 0 and 24"):
        migraine(date(2025, 6, 1), hours=Decimal(25))


# ---- CSV import / export -----------------------------------------------------------------------


def test_a_csv_diary_imports_every_row_and_exports_to_the_same_text(alice, nurse_noor):
    text = "\n".join([HEADER, row("2025-06-01"), row("2025-06-02", "0", "0", "")]) + "\n"
    text = text.replace("2025-06-02,0,0,3", "2025-06-02,0,0,0")  # no headache: intensity 0
    text = text.replace("2025-06-02,0,0,0,1,0,1,0,1", "2025-06-02,0,0,0,0,0,0,0,0")
    result = services.import_diary_csv(alice, text, by=nurse_noor, today=TODAY)
    assert result == services.ImportResult(days=2, replaced=0)
    assert DiaryEntry.objects.filter(patient=alice).count() == 2
    assert services.export_diary_csv(alice, by=nurse_noor) == text
    assert audit_actions()[-2:] == ["diary.import", "diary.export"]


@pytest.mark.parametrize(
    ("bad", "line", "field"),
    [
        (row("2025-06-03", hours="25"), 4, "hours"),
        (row("2025-06-03", hours="2.125"), 4, "hours"),  # the column keeps 2 places
        (row("2025-07-01"), 4, "date"),  # after TODAY
        (row("2025-06-01"), 4, "date"),  # the same date twice in one file
        (row("2025-06-03", medication="cannabis"), 4, "acute_medication"),
        ('2025-06-03,"1', 4, "csv"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_written(
    alice, nurse_noor, bad, line, field
):
    text = "\n".join([HEADER, row("2025-06-01"), row("2025-06-02"), bad]) + "\n"
    with pytest.raises(DiaryImportError) as error:
        services.import_diary_csv(alice, text, by=nurse_noor, today=TODAY)
    assert (error.value.line, error.value.field) == (line, field)
    assert not DiaryEntry.objects.exists()
    assert "diary.import" not in audit_actions()


def test_importing_dates_already_in_the_diary_is_a_conflict_naming_the_line(alice, nurse_noor):
    services.record_diary_day(alice, migraine(date(2025, 6, 2)), by=alice, today=TODAY)
    text = "\n".join([HEADER, row("2025-06-01"), row("2025-06-02", hours="1")]) + "\n"
    with pytest.raises(services.DiaryConflict) as error:
        services.import_diary_csv(alice, text, by=nurse_noor, today=TODAY)
    assert error.value.message == (
        "line 3: date: 2025-06-02 is already in the diary; import with replace to overwrite"
    )
    assert DiaryEntry.objects.filter(patient=alice).count() == 1
    assert DiaryEntry.objects.get(patient=alice).hours == Decimal(6)


def test_replace_overwrites_the_stored_days_in_one_go(alice, nurse_noor):
    services.record_diary_day(alice, migraine(date(2025, 6, 2)), by=alice, today=TODAY)
    text = "\n".join([HEADER, row("2025-06-01"), row("2025-06-02", hours="1")]) + "\n"
    result = services.import_diary_csv(alice, text, by=nurse_noor, today=TODAY, replace=True)
    assert result == services.ImportResult(days=2, replaced=1)
    assert DiaryEntry.objects.get(patient=alice, on=date(2025, 6, 2)).hours == Decimal(1)


def test_a_patient_imports_only_into_her_own_diary(alice, bob):
    text = "\n".join([HEADER, row("2025-06-01")]) + "\n"
    assert services.import_diary_csv(alice, text, by=alice, today=TODAY).days == 1
    with pytest.raises(NotAllowed):
        services.import_diary_csv(bob, text, by=alice, today=TODAY)
    with pytest.raises(NotAllowed):
        services.export_diary_csv(alice, by=bob)


def test_reception_cannot_export_a_diary(alice, rita_reception):
    before = audit_actions()
    with pytest.raises(NotAllowed):
        services.export_diary_csv(alice, by=rita_reception)
    assert audit_actions() == before


# ---- questionnaires ----------------------------------------------------------------------------

HIT6 = {f"item_{n}": a for n, a in enumerate(["always"] * 4 + ["sometimes", "never"], 1)}


def test_hit6_is_scored_and_stored_with_its_band(alice, nurse_noor):
    response = services.record_questionnaire(
        alice, "hit6", HIT6, by=nurse_noor, completed_on=date(2025, 6, 1), today=TODAY
    )
    stored = QuestionnaireResponse.objects.get(pk=response.pk)
    assert (stored.score, stored.band) == (13 * 4 + 10 + 6, "severe_impact")
    assert stored.answers == HIT6


def test_midas_is_scored_by_the_patient_with_its_grade(alice):
    answers = {"q1": 5, "q2": 3, "q3": 2, "q4": 1, "q5": 0, "a": 30, "b": 7}
    response = services.record_questionnaire(
        alice, "midas", answers, by=alice, completed_on=date(2025, 6, 1), today=TODAY
    )
    assert (response.score, response.band, response.entered_by) == (11, "III", "patient")  # 11–20


def test_a_questionnaire_with_a_missing_item_names_it_and_writes_nothing(alice, nurse_noor):
    answers = {k: v for k, v in HIT6.items() if k != "item_4"}
    with pytest.raises(InvalidInput) as error:
        services.record_questionnaire(
            alice, "hit6", answers, by=nurse_noor, completed_on=date(2025, 6, 1), today=TODAY
        )
    assert error.value.field == "item_4"
    assert not QuestionnaireResponse.objects.exists()


def test_an_unknown_instrument_is_refused(alice, nurse_noor):
    with pytest.raises(InvalidInput, match="unknown value 'phq9'"):
        services.record_questionnaire(
            alice, "phq9", {}, by=nurse_noor, completed_on=date(2025, 6, 1), today=TODAY
        )


# ---- prior preventives -------------------------------------------------------------------------


def test_prior_preventives_feed_the_nice_initiation_count(alice, dr_grey):
    for drug, reason in [
        ("topiramate", "not_tolerated"),
        ("amitriptyline", "failed"),
        ("Amitriptyline", "failed"),  # same medicine at another dose: counted once
        ("propranolol", "unsuitable"),
    ]:
        services.record_prior_preventive(
            alice,
            by=dr_grey,
            drug=drug,
            dose="" if reason == "unsuitable" else "50 mg daily",
            duration_weeks=None if reason == "unsuitable" else 12,
            reason_stopped=reason,
        )
    assert PriorPreventive.objects.filter(patient=alice).count() == 4
    assert services.load_diary_snapshot(alice).failed_preventives == 3
    summary = services.diary_summary_for(alice, TODAY, by=dr_grey)
    assert summary.initiation.failed_preventives.value == "met"


def test_no_prior_preventive_recorded_is_not_recorded_never_zero_failed(alice, dr_grey):
    assert services.load_diary_snapshot(alice).failed_preventives is None
    summary = services.diary_summary_for(alice, TODAY, by=dr_grey)
    assert summary.initiation.failed_preventives.value == "not_evaluable"
    services.record_prior_preventive(
        alice, by=dr_grey, drug="topiramate", dose="50 mg daily", duration_weeks=12,
        reason_stopped="failed",
    )  # fmt: skip
    summary = services.diary_summary_for(alice, TODAY, by=dr_grey)
    assert summary.initiation.failed_preventives.value == "not_met"  # 1 of 3


def test_a_prior_preventive_needs_a_known_reason_and_a_duration_if_taken(alice, dr_grey):
    with pytest.raises(InvalidInput, match="unknown value 'cost'"):
        services.record_prior_preventive(
            alice, by=dr_grey, drug="x", dose="1 mg", duration_weeks=4, reason_stopped="cost"
        )
    with pytest.raises(InvalidInput) as error:
        services.record_prior_preventive(
            alice, by=dr_grey, drug="x", dose="1 mg", reason_stopped="failed"
        )
    assert error.value.field == "duration_weeks"
    assert not PriorPreventive.objects.exists()


def test_reception_cannot_record_a_prior_preventive(alice, rita_reception):
    with pytest.raises(NotAllowed):
        services.record_prior_preventive(
            alice, by=rita_reception, drug="x", dose="1", duration_weeks=1, reason_stopped="failed"
        )


# ---- the chart's analytics ---------------------------------------------------------------------


def test_the_summary_uses_only_signed_migraine_sessions_as_injections(alice, dr_grey):
    signed_migraine_sessions(alice, dr_grey, date(2025, 1, 6), date(2025, 3, 31))
    signed_migraine_sessions(alice, dr_grey, date(2025, 5, 5), status="draft")
    signed_migraine_sessions(alice, dr_grey, date(2025, 2, 3), pathway=Pathway.COSMETIC)
    for n in range(28):
        services.record_diary_day(
            alice, migraine(date(2025, 1, 5) - timedelta(days=n)), by=alice, today=TODAY
        )
    summary = services.diary_summary_for(alice, TODAY, by=dr_grey)
    assert summary.diary.injections == (date(2025, 1, 6), date(2025, 3, 31))
    assert summary.baseline.counts.headache_days == 28
    assert summary.initiation.chronic_migraine.value == "met"
    assert audit_actions()[-1] == "diary.summary"


def test_reception_cannot_read_diary_analytics(alice, rita_reception):
    with pytest.raises(NotAllowed):
        services.diary_summary_for(alice, TODAY, by=rita_reception)


def test_the_summary_reads_the_diary_in_a_fixed_number_of_queries(
    alice, dr_grey, django_assert_max_num_queries
):
    signed_migraine_sessions(alice, dr_grey, date(2025, 1, 6))
    for n in range(60):
        services.record_diary_day(
            alice, migraine(date(2025, 3, 1) - timedelta(days=n)), by=alice, today=TODAY
        )
    with django_assert_max_num_queries(9):  # 4 loads + the audit event's statements
        services.diary_summary_for(alice, TODAY, by=dr_grey)


# ---- demo diaries ------------------------------------------------------------------------------


def test_demo_diaries_fill_migraine_patients_once_and_read_back_through_the_domain(
    alice, bob, dr_grey
):
    from django.core.management import call_command

    from bonta.migraine.demo import generate_diaries

    signed_migraine_sessions(alice, dr_grey, TODAY - timedelta(days=100))
    # Alice only (Bob has no course); 200 days outlast a diary started up to 90 days late.
    written = generate_diaries(None, 200, seed=3, today=TODAY)
    assert 0 < written <= 200
    assert DiaryEntry.objects.filter(patient=bob).count() == 0
    days = services.diary_days(alice)  # every stored day is a possible DiaryDay
    assert len(days) == written
    assert all(TODAY - timedelta(days=199) <= d.on <= TODAY for d in days)
    call_command("bonta_demo_diaries", days=60, verbosity=0)  # already filled: adds nothing
    assert DiaryEntry.objects.count() == written
