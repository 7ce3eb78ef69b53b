"""The NICE planning context reads only the diary periods its rules use (issue 10): the number
of diary rows read does not grow with the length of the diary, and the verdict is the one the
whole diary gives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.nice import nice_continuation, nice_initiation
from bonta.domain.headache.periods import diary_from
from bonta.domain.pathways import Pathway
from bonta.migraine import planning, services
from bonta.migraine.models import DiaryEntry, EnteredBy
from records.clinic import make_patient

from .conftest import signed_migraine_sessions

pytestmark = pytest.mark.django_db

SESSION_DAY = date(2026, 6, 1)


def diary(patient, days: int) -> None:
    """`days` days up to the day before the session; a headache every other day."""
    start = SESSION_DAY - timedelta(days=days)
    rows = []
    for i in range(days):
        entry = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
        entry.copy_from(DiaryDay(start + timedelta(days=i), headache=i % 2 == 0))
        rows.append(entry)
    DiaryEntry.objects.bulk_create(rows)


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many diary days each load in `bonta.migraine.planning` returned."""
    counts: list[int] = []
    real_days, real_snapshot = services.diary_days, services.load_diary_snapshot

    def days(*args, **kwargs):
        found = real_days(*args, **kwargs)
        counts.append(len(found))
        return found

    def snapshot(*args, **kwargs):
        found = real_snapshot(*args, **kwargs)
        counts.append(len(found.days))
        return found

    monkeypatch.setattr(planning, "diary_days", days)
    monkeypatch.setattr(planning, "load_diary_snapshot", snapshot)
    return counts


def treated_patient(by, record: str, diary_days: int):
    patient = make_patient(by, record, consents=())
    # A session every 12 weeks over the diary, the last 4 weeks before the new session.
    first = SESSION_DAY - timedelta(days=diary_days - 60)
    sessions = []
    day = first
    while day < SESSION_DAY - timedelta(days=27):
        sessions.append(day)
        day += timedelta(days=84)
    signed_migraine_sessions(patient, by, *sessions)
    diary(patient, diary_days)
    return patient


def test_the_continuation_reads_the_same_rows_for_two_and_four_years(dr_grey, rows_read):
    two = treated_patient(dr_grey, "R-730", 730)
    four = treated_patient(dr_grey, "R-1460", 1460)
    planning.nice_state(two.pk, Pathway.CHRONIC_MIGRAINE, SESSION_DAY)
    planning.nice_state(four.pk, Pathway.CHRONIC_MIGRAINE, SESSION_DAY)
    assert rows_read[0] == rows_read[1] == 28 + 84 + 4 * 28  # baseline, cycle 2, 4 periods


def test_the_first_cycle_reads_only_its_28_day_baseline(dr_grey, rows_read):
    patient = make_patient(dr_grey, "R-new", consents=())
    diary(patient, 730)
    state = planning.nice_state(patient.pk, Pathway.CHRONIC_MIGRAINE, SESSION_DAY)
    assert state is not None
    assert state.first_cycle
    assert rows_read == [27]  # the 28 days ending on the session day; its own has no entry


def test_the_verdict_is_the_whole_diarys(dr_grey):
    patient = treated_patient(dr_grey, "R-same", 730)
    state = planning.nice_state(patient.pk, Pathway.CHRONIC_MIGRAINE, SESSION_DAY)
    whole = nice_continuation(
        diary_from(services.diary_days(patient), services.injection_dates(patient), SESSION_DAY)
    )
    assert state is not None
    assert (state.verdict, state.reasons, state.review) == (
        whole.verdict,
        whole.reasons,
        whole.review,
    )
    new = make_patient(dr_grey, "R-start", consents=())
    diary(new, 400)
    start = planning.nice_state(new.pk, Pathway.CHRONIC_MIGRAINE, SESSION_DAY)
    expected = nice_initiation(diary_from(services.diary_days(new), (), SESSION_DAY), None, None)
    assert start is not None
    assert (start.initiation, start.reasons) == (expected.judgement, expected.reasons)
