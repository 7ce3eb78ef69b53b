"""The population report gives every patient exactly what the chart's `summarize` gives.

The population: patients built at the thresholds (15/13 headache days, 8/7 migraine days,
exactly 30 % reduction, 10/9 triptan days, one missing day that makes a rule undecidable,
a short diary, no diary, no injection, an early re-injection) and a seeded random clinic from
`bonta.migraine.demo.generate_diaries` with random injection schedules.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bonta.accounts.models import User
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.domain.headache.nice import Verdict
from bonta.domain.headache.outcomes import headache_day_reduction, responder_status
from bonta.domain.headache.summary import DiarySummary
from bonta.migraine import services
from bonta.migraine.demo import generate_diaries
from bonta.migraine.models import DiaryEntry, EnteredBy
from bonta.migraine.population import JUDGEMENTS, VERDICTS, PopulationReport, population_report
from bonta.migraine.store import refresh_store
from bonta.records.models import Patient

from .conftest import signed_migraine_sessions

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 12, 31)
T = MedicationClass.TRIPTAN
S = MedicationClass.SIMPLE_ANALGESIC


def headache(on: date, migraine: bool = False, taken: Iterable[MedicationClass] = ()) -> DiaryDay:
    features = {"unilateral": True, "pulsating": True, "nausea": True} if migraine else {}
    return DiaryDay(
        on=on,
        headache=True,
        hours=Decimal(5),
        intensity=2,
        acute_medication=frozenset(taken),
        **features,
    )


def clear(on: date, taken: Iterable[MedicationClass] = ()) -> DiaryDay:
    return DiaryDay(on=on, headache=False, acute_medication=frozenset(taken))


def period_days(
    start: date,
    headaches: int,
    migraines: int,
    missing: int = 0,
    taken: Iterable[MedicationClass] = (),
) -> list[DiaryDay]:
    """28 days from `start`: `headaches` headache days (the first `migraines` with migraine),
    then clear days, the last `missing` days not recorded; `taken` on the headache days."""
    days = []
    for n in range(28 - missing):
        on = start + timedelta(days=n)
        if n < headaches:
            days.append(headache(on, migraine=n < migraines, taken=taken))
        else:
            days.append(clear(on))
    return days


def span(start: date, length: int, headache_every: Callable[[int], bool]) -> list[DiaryDay]:
    return [
        headache(start + timedelta(days=n))
        if headache_every(n)
        else clear(start + timedelta(days=n))
        for n in range(length)
    ]


class Clinic:
    def __init__(self, clinician: User) -> None:
        self.clinician = clinician
        self.count = 0

    def patient(self, days: Iterable[DiaryDay], injections: Iterable[date] = ()) -> Patient:
        self.count += 1
        patient = Patient.objects.create(
            record_number=f"P{self.count:04d}",
            given_name="P",
            family_name="Q",
            birth_date=date(1980, 1, 1),
        )
        rows = []
        for day in days:
            entry = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
            entry.copy_from(day)
            rows.append(entry)
        DiaryEntry.objects.bulk_create(rows)
        sessions = list(injections)
        if sessions:
            signed_migraine_sessions(patient, self.clinician, *sessions)
        return patient


def boundary_patients(clinic: Clinic) -> list[Patient]:
    first = date(2025, 6, 2)  # first injection; baseline 2025-05-05 … 2025-06-01
    before = [first - timedelta(days=28 * k) for k in (4, 3, 2, 1)]  # periods -4 … -1

    def history(headaches: int, migraines: int, missing: int = 0) -> list[DiaryDay]:
        return [d for start in before for d in period_days(start, headaches, migraines, missing)]

    made = [
        clinic.patient(history(15, 8), [first]),  # exactly chronic migraine: met
        clinic.patient(history(13, 8), [first]),  # 13 headache days (≤14.4 a month): not met
        clinic.patient(history(15, 7), [first]),  # 7 migraine days: not met
        clinic.patient(history(14, 8, missing=1), [first]),  # one missing day decides: NE
        clinic.patient(history(15, 8, missing=1)),  # untreated, baseline ends on AS_OF? no: old
        clinic.patient([headache(AS_OF - timedelta(days=n)) for n in range(10)]),  # short diary
        clinic.patient([], [date(2025, 3, 3), date(2025, 5, 26)]),  # injections, no diary
    ]
    # Untreated, the last four periods end on AS_OF: 15/8 in each, one with a missing day.
    untreated = [AS_OF - timedelta(days=28 * k - 1) for k in (4, 3, 2, 1)]
    made.append(clinic.patient([d for s in untreated for d in period_days(s, 15, 8)]))
    made.append(
        clinic.patient(
            [d for i, s in enumerate(untreated) for d in period_days(s, 14, 8, missing=int(i == 3))]
        )
    )
    # NICE response after cycle 2: baseline 20/28; cycle 2 is 84 days with 42 headache days
    # (14 per 28 days: exactly a 30 % reduction, adequate) or 43 (28.6 %, inadequate), or 41
    # with one missing day (the missing day could put it either side: not evaluable).
    c1, c2 = date(2025, 3, 3), date(2025, 5, 26)
    baseline = period_days(c1 - timedelta(days=28), 20, 10)
    for headaches, missing in ((42, 0), (43, 0), (41, 1), (42, 1)):
        cycle1 = span(c1, 84, lambda n: n % 2 == 0)
        cycle2 = span(c2, 84 - missing, lambda n, h=headaches: n < h)
        made.append(clinic.patient(baseline + cycle1 + cycle2, [c1, c2]))
    # Episodic: every period since the first injection with 13 headache days (under 15 even as
    # a 31-day month: stop) or the latest with 15 (not episodic).
    start = AS_OF - timedelta(days=400)
    for late in (13, 15):
        anchor = start
        days = period_days(anchor - timedelta(days=28), 20, 10)
        n_periods = (AS_OF - anchor).days // 28
        for k in range(n_periods):
            count = late if k == n_periods - 1 else 13
            days += period_days(anchor + timedelta(days=28 * k), count, 0)
        made.append(clinic.patient(days, [anchor, anchor + timedelta(days=84)]))
    # Overuse: triptan on 10 days of each of the latest four periods (met), 9 (not met),
    # 9 with a missing day (not evaluable); triptan + simple analgesic on 10 days (8.2.6).
    untreated_recent = [AS_OF - timedelta(days=28 * k - 1) for k in (4, 3, 2, 1)]
    for taken_days, missing, classes in ((10, 0, [T]), (9, 0, [T]), (9, 1, [T])):
        made.append(
            clinic.patient(
                [
                    d
                    for s in untreated_recent
                    for d in period_days(s, taken_days, 0, missing=missing, taken=classes)
                ]
            )
        )
    mixed = []
    for s in untreated_recent:
        for n in range(28):
            on = s + timedelta(days=n)
            mixed.append(headache(on, taken=[T] if n < 5 else [S]) if n < 10 else clear(on))
    made.append(clinic.patient(mixed))
    # An early re-injection (cycle 1 cut short at 60 days) and three injections.
    made.append(
        clinic.patient(
            span(date(2025, 1, 1), 365, lambda n: n % 3 != 0),
            [date(2025, 2, 1), date(2025, 4, 2), date(2025, 6, 25)],
        )
    )
    return made


def random_patients(clinic: Clinic, how_many: int, seed: int) -> list[Patient]:
    rng = random.Random(seed)
    made = []
    for _ in range(how_many):
        sessions = []
        if rng.random() < 0.85:
            day = AS_OF - timedelta(days=rng.randint(0, 420))
            for _ in range(rng.choice([1, 2, 2, 3, 4, 6])):
                if day > AS_OF:
                    break
                sessions.append(day)
                day += timedelta(days=rng.choice([60, 83, 84, 84, 85, 90, 120]))
        made.append(clinic.patient([], sessions))
    generate_diaries(made, 500, seed, today=AS_OF)
    return made


def expected_cycles(s: DiarySummary) -> list[tuple[object, ...]]:
    return [
        (
            c.number,
            c.injection,
            c.end,
            c.complete,
            c.counts.days_in_window,
            c.counts.days_recorded,
            c.counts.headache_days,
            tuple(
                j.value
                for j in responder_status(
                    headache_day_reduction(s.baseline.counts, c.counts)
                ).values()
            ),
        )
        for c in s.cycles
    ]


def reported_cycles(report: PopulationReport, pkey: int) -> list[tuple[object, ...]]:
    c = report.cycles
    rows = [i for i in range(c["pkey"].size) if c["pkey"][i] == pkey]
    epoch = date(1970, 1, 1)
    return [
        (
            int(c["number"][i]),
            epoch + timedelta(days=int(c["injection_day"][i])),
            epoch + timedelta(days=int(c["end_day"][i])),
            bool(c["complete"][i]),
            int(c["days_in_window"][i]),
            int(c["days_recorded"][i]),
            int(c["headache_days"][i]),
            (
                JUDGEMENTS[int(c["responder_30"][i])].value,
                JUDGEMENTS[int(c["responder_50"][i])].value,
            ),
        )
        for i in rows
    ]


def assert_same(report: PopulationReport, patient: Patient, s: DiarySummary) -> None:
    p = report.patient_ids.index(str(patient.pk))
    row = {name: int(values[p]) for name, values in report.patient.items()}
    cont, mo, ini = s.continuation, s.medication_overuse, s.initiation
    expected = {
        "verdict": cont.verdict,
        "inadequate_response": cont.inadequate_response,
        "episodic": cont.episodic,
        "chronic_migraine": s.chronic_migraine.judgement,
        "nice_chronic_migraine": ini.chronic_migraine,
        "overuse_criterion_a": mo.headache_days_criterion_a,
        "baseline": (
            ini.baseline.counts.headache_days,
            ini.baseline.counts.migraine_days,
            ini.baseline.counts.days_recorded,
        ),
        "overuse": {c.name: c.judgement for c in mo.classes if c.judgement is not None},
        "cycles": expected_cycles(s) if s.baseline else [],
    }
    got = {
        "verdict": VERDICTS[row["verdict"]],
        "inadequate_response": JUDGEMENTS[row["inadequate_response"]],
        "episodic": JUDGEMENTS[row["episodic"]],
        "chronic_migraine": JUDGEMENTS[row["chronic_migraine"]],
        "nice_chronic_migraine": JUDGEMENTS[row["nice_chronic_migraine"]],
        "overuse_criterion_a": JUDGEMENTS[row["overuse_criterion_a"]],
        "baseline": (
            row["baseline_headache_days"],
            row["baseline_migraine_days"],
            row["baseline_days_recorded"],
        ),
        "overuse": {
            name: JUDGEMENTS[int(report.overuse[p, r])]
            for r, name in enumerate(report.overuse_rules)
        },
        "cycles": reported_cycles(report, p),
    }
    assert got == expected, patient.record_number


@pytest.fixture
def population(dr_grey: User) -> list[Patient]:
    clinic = Clinic(dr_grey)
    return boundary_patients(clinic) + random_patients(clinic, 60, seed=7)


def test_the_report_equals_the_per_patient_summary_for_every_patient(population, tmp_path):
    report = population_report(refresh_store(tmp_path), AS_OF)
    verdicts = set()
    for patient in population:
        summary = services.summarize_snapshot(services.load_diary_snapshot(patient), AS_OF)
        assert_same(report, patient, summary)
        verdicts.add(summary.continuation.verdict)
    # The population exercises every verdict, so the equality above means something.
    assert verdicts == set(Verdict)


def test_the_boundaries_land_where_the_domain_puts_them(dr_grey, tmp_path):
    made = boundary_patients(Clinic(dr_grey))
    report = population_report(refresh_store(tmp_path), AS_OF)
    cm = [
        JUDGEMENTS[
            int(report.patient["nice_chronic_migraine"][report.patient_ids.index(str(p.pk))])
        ]
        for p in made[:4]
    ]
    assert [j.value for j in cm] == ["met", "not_met", "not_met", "not_evaluable"]
    verdict = dict(report.due_for_review)
    response = made[9:13]
    assert [verdict.get(str(p.pk)) for p in response] == [
        None,  # exactly 30 %: adequate
        Verdict.STOP_INADEQUATE_RESPONSE,
        None,  # not evaluable
        None,
    ]
    assert verdict.get(str(made[13].pk)) == Verdict.STOP_EPISODIC  # 13, 13, 13, 13
    assert str(made[14].pk) not in verdict  # 13, 13, 15
    overuse = dict(report.with_overuse)
    assert overuse.get(str(made[15].pk)) == ("triptan",)
    assert str(made[16].pk) not in overuse
    # Triptan + simple analgesic on 10 days: ICHD-3 8.2.6 is only a possibility (§11.8), never
    # a met overuse in the report; 8.2.7 does not apply to a diary.
    assert str(made[18].pk) not in overuse


def test_the_report_of_an_empty_clinic_is_empty(db, tmp_path):
    report = population_report(refresh_store(tmp_path), AS_OF)
    assert report.as_dict() == {
        "as_of": "2025-12-31",
        "patients": 0,
        "continuation": {v.value: 0 for v in VERDICTS},
        "responder_rates": [],
        "wearing_off": [
            {
                "weeks": weeks,
                "windows": 0,
                "fully_recorded": 0,
                "headache_days_per_28_days": {"mean": None, "median": None},
            }
            for weeks in ("1-4", "5-8", "9-12")
        ],
        "due_for_review": [],
        "medication_overuse": [],
    }


def test_responder_rates_count_complete_cycles_only(population, tmp_path):
    report = population_report(refresh_store(tmp_path), AS_OF)
    rates = {r.number: r for r in report.responder_rates}
    complete = report.cycles["complete"].astype(bool)
    for number, rate in rates.items():
        mine = report.cycles["number"] == number
        assert rate.cycles == int(mine.sum())
        assert rate.complete == int((mine & complete).sum())
        assert rate.met[30] + rate.not_met[30] + rate.not_evaluable[30] == rate.complete


def test_the_report_command_refreshes_the_store_and_prints_json(dr_grey, tmp_path, capsys):
    import json

    from django.core.management import call_command

    made = boundary_patients(Clinic(dr_grey))
    call_command("bonta_diary_report", as_of="2025-12-31", store=str(tmp_path))
    printed = json.loads(capsys.readouterr().out)
    assert printed["patients"] == len(made)
    assert {"patient": str(made[10].pk), "verdict": "stop_inadequate_response"} in printed[
        "due_for_review"
    ]
