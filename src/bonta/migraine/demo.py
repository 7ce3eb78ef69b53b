"""Synthetic headache diaries for the demo clinic's chronic-migraine patients.

Each patient gets a made-up migraine history that a clinician would recognise: a baseline of
frequent headaches (some patients right at the 15-day and 8-day thresholds), a response to
each injection that differs between patients (responders, partial and non-responders), some
wearing-off in weeks 9–12, acute medication with a few overusers, and the gaps real diaries
have (forgotten days, a lost week, a diary started late). Injection dates are the patient's
signed chronic-migraine sessions, so the chart and the population report agree with the demo's
treatment history.

Rows are written in bulk with one ``executemany`` per chunk (like `bonta.demo` writes
administrations): a loader, not a patient's action, so no audit event per day.

`generate_questionnaires` adds HIT-6 and MIDAS responses the patient "filled in" the week before
each injection, scored by `bonta.domain.headache.scoring` (answers only, never item text), their
impact easing as treatment works: the demo portal and the chart's score plots then have data.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bonta.domain.headache.days import MedicationClass
from bonta.domain.headache.scoring import hit6_scale, score_hit6, score_midas
from bonta.domain.pathways import Pathway
from bonta.migraine.models import (
    DAY_FLAGS,
    MEDICATION_BITS,
    DiaryEntry,
    EnteredBy,
    Instrument,
    QuestionnaireResponse,
)
from bonta.migraine.services import injection_dates
from bonta.records.models import Patient

COLUMNS = (
    "patient_id",
    "on_date",
    "hours",
    "intensity",
    "acute_medication",
    *DAY_FLAGS,
    "entered_by",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class Habits:
    """One patient's made-up headache pattern."""

    baseline_rate: float  # chance of a headache day before treatment
    response: float  # headache rate multiplier once treated (1.0: no response)
    migraine_share: float  # share of headache days with migraine features
    missing_rate: float  # chance of a forgotten day
    overuser: bool  # takes acute medication on most headache days
    late_start: int  # days of diary missing at the start


def habits(rng: random.Random) -> Habits:
    return Habits(
        baseline_rate=rng.choice([0.5, 0.54, 0.57, 0.6, 0.7, 0.8, 0.45]),
        response=rng.choice([0.35, 0.5, 0.65, 0.75, 0.9, 1.0]),
        migraine_share=rng.choice([0.5, 0.55, 0.6, 0.8]),
        missing_rate=rng.choice([0.0, 0.0, 0.01, 0.05, 0.2]),
        overuser=rng.random() < 0.2,
        late_start=rng.choice([0, 0, 0, 20, 90]),
    )


def headache_rate(h: Habits, on: date, injections: Sequence[date]) -> float:
    given = [d for d in injections if d <= on]
    if not given:
        return h.baseline_rate
    since = (on - given[-1]).days
    wearing_off = 0.1 if 56 <= since < 84 else (0.2 if since >= 84 else 0.0)
    return min(1.0, h.baseline_rate * min(1.0, h.response + wearing_off))


def day_row(rng: random.Random, h: Habits, headache: bool) -> dict[str, Any]:
    """One day's raw fields (the `DiaryDay` fields, medication as its bitmask)."""
    row: dict[str, Any] = dict.fromkeys(DAY_FLAGS, False)
    row.update(hours=Decimal(0), intensity=0, acute_medication=0)
    if not headache:
        return row
    migraine = rng.random() < h.migraine_share
    row["headache"] = True
    row["hours"] = Decimal(rng.choice([1, 2, 3, 3.5, 4, 4, 6, 8, 12, 24])).quantize(Decimal("0.1"))
    row["intensity"] = rng.choice([2, 3]) if migraine else rng.choice([1, 1, 2])
    if migraine:
        row.update(unilateral=rng.random() < 0.7, pulsating=rng.random() < 0.7)
        row.update(nausea=rng.random() < 0.6, photophobia=True, phonophobia=rng.random() < 0.8)
        row["aura"] = rng.random() < 0.1
        row["worse_with_activity"] = rng.random() < 0.5
    taken: set[MedicationClass] = set()
    if migraine and rng.random() < (0.8 if h.overuser else 0.4):
        taken.add(MedicationClass.TRIPTAN)
        row["believed_migraine"] = True
        row["relieved_by_triptan_or_ergot"] = rng.random() < 0.6
    if rng.random() < (0.7 if h.overuser else 0.25):
        taken.add(
            rng.choice([MedicationClass.SIMPLE_ANALGESIC, MedicationClass.COMBINATION_ANALGESIC])
        )
    if rng.random() < 0.02:
        taken.add(
            rng.choice([MedicationClass.OPIOID, MedicationClass.GEPANT, MedicationClass.OTHER])
        )
    for cls in taken:
        row["acute_medication"] |= MEDICATION_BITS[cls]
    return row


def diary_rows(
    rng: random.Random, patient: Patient, injections: Sequence[date], first: date, today: date
) -> list[tuple[Any, ...]]:
    h = habits(rng)
    now = timezone.now()
    rows = []
    on = first + timedelta(days=h.late_start)
    gap_until = on
    while on <= today:
        if on >= gap_until and rng.random() < 0.005:
            gap_until = on + timedelta(days=rng.randint(3, 10))  # a lost week
        if on >= gap_until and rng.random() >= h.missing_rate:
            day = day_row(rng, h, rng.random() < headache_rate(h, on, injections))
            rows.append(
                (
                    patient.pk,
                    on,
                    day["hours"],
                    day["intensity"],
                    day["acute_medication"],
                    *(day[flag] for flag in DAY_FLAGS),
                    EnteredBy.PATIENT.value,
                    now,
                    now,
                )
            )
        on += timedelta(days=1)
    return rows


def generate_diaries(
    patients: Iterable[Patient] | None, days: int, seed: int = 1, *, today: date | None = None
) -> int:
    """Fill `days` days of diary ending `today` for each patient; return the rows written.

    `patients` None means every patient with a chronic-migraine course. Days already in a
    patient's diary are left alone (that patient is skipped), so running it twice adds nothing.
    """
    today = today or timezone.localdate(timezone.now(), timezone.get_default_timezone())
    if patients is None:
        patients = Patient.objects.filter(
            courses__pathway=Pathway.CHRONIC_MIGRAINE.value
        ).distinct()
    first = today - timedelta(days=days - 1)
    has_diary = set(DiaryEntry.objects.values_list("patient_id", flat=True).distinct())
    written = 0
    rows: list[tuple[Any, ...]] = []
    for patient in patients:
        if patient.pk in has_diary:
            continue
        rng = random.Random(f"{seed}:{patient.record_number}")  # noqa: S311 - synthetic data
        rows.extend(diary_rows(rng, patient, injection_dates(patient), first, today))
        if len(rows) >= 50_000:
            written += _insert(rows)
            rows = []
    return written + _insert(rows)


def _insert(rows: list[tuple[Any, ...]]) -> int:
    if not rows:
        return 0
    if not connection.features.has_native_uuid_field:
        rows = [(row[0].hex, *row[1:]) for row in rows]
    table = connection.ops.quote_name(DiaryEntry._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 - fixed names
                rows[start : start + 5000],
            )
    return len(rows)


def hit6_answers(rng: random.Random, level: float) -> dict[str, str]:
    """Six HIT-6 answers around `level` (0: never … 1: always), as a patient might give them."""
    answers = list(hit6_scale().points)
    top = len(answers) - 1
    return {
        item: answers[max(0, min(top, round(level * top + rng.choice([-1, 0, 0, 1]))))]
        for item in hit6_scale().items
    }


def midas_answers(rng: random.Random, level: float) -> dict[str, int]:
    """MIDAS days lost in 3 months around `level` (0: none … 1: most days); q1 + q2 and
    q3 + q4 stay within the days of three months."""
    work = round(level * 30 * rng.uniform(0.6, 1.2))
    home = round(level * 30 * rng.uniform(0.6, 1.2))
    return {
        "q1": work,
        "q2": round(work * rng.uniform(0.3, 0.8)),
        "q3": home,
        "q4": round(home * rng.uniform(0.3, 0.8)),
        "q5": round(level * 20 * rng.uniform(0.5, 1.2)),
        "a": min(90, round(level * 80 + rng.randint(0, 8))),
        "b": max(1, min(10, round(level * 10))),
    }


def generate_questionnaires(
    patient: Patient, days: int, seed: int = 1, *, today: date | None = None
) -> int:
    """HIT-6 and MIDAS responses a week before each signed migraine session in the last `days`
    days (and one at the start of the window), entered by the patient; return how many.

    A patient who already has a questionnaire is left alone, so running it twice adds nothing.
    """
    today = today or timezone.localdate(timezone.now(), timezone.get_default_timezone())
    if QuestionnaireResponse.objects.filter(patient=patient).exists():
        return 0
    first = today - timedelta(days=days - 1)
    sessions = [d for d in injection_dates(patient) if first <= d <= today]
    dates = sorted({first, *(max(first, d - timedelta(days=7)) for d in sessions)})
    rng = random.Random(f"{seed}:questionnaires:{patient.record_number}")  # noqa: S311
    diary = random.Random(f"{seed}:{patient.record_number}")  # noqa: S311 - synthetic data
    h = habits(diary)  # the patient's diary habits: the same response as the diary shows
    rows = []
    for n, on in enumerate(dates):
        # Impact starts high and eases towards the patient's response over the first cycles.
        eased = h.response + (1 - h.response) * 0.5**n
        level = min(1.0, 0.85 * eased + rng.uniform(-0.05, 0.05))
        hit6 = score_hit6(hit6_answers(rng, level))
        midas = score_midas(midas_answers(rng, level))
        for instrument, answers, score, band in (
            (Instrument.HIT6, dict(hit6.answers), hit6.total, hit6.band.code),
            (Instrument.MIDAS, dict(midas.answers), midas.total, midas.grade.code),
        ):
            rows.append(
                QuestionnaireResponse(
                    patient=patient,
                    instrument=instrument,
                    answers=answers,
                    score=score,
                    band=band,
                    completed_on=on,
                    entered_by=EnteredBy.PATIENT,
                )
            )
    QuestionnaireResponse.objects.bulk_create(rows)
    return len(rows)
