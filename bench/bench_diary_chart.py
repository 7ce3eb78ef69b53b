"""One patient's chart analytics over two years of diary.

Target (issue #4): ≤ 20 ms. Timed: `bonta.domain.headache.summary.summarize` (periods, cycles with
responder status, ICHD-3 chronic migraine and overuse, NICE TA260 initiation and continuation)
followed by `summary_as_dict` (what the chart, the CLI and the letters show), for a patient with
730 diary days (a few missing) and an injection every 12 weeks: first the pure domain, then
the same with the diary loaded from the database by `bonta.migraine.services.load_diary_snapshot`
(SQLite in a temp folder unless DATABASE_URL is set), as the chart page does.

Also timed (no target; reported so a regression shows): the headache plot of a ten-year diary
(131 periods), drawn both ways the page offers (baseline + latest 13, and every period), and
the one-page summary letter PDF for the two-year patient (`bonta.migraine.letter_pdf`).

    BONTA_DATA_DIR=$(mktemp -d) .venv/bin/python -m bench.bench_diary_chart
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from bench.common import measure, report
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.domain.headache.summary import summarize, summary_as_dict

AS_OF = date(2025, 12, 31)


def two_year_diary(seed: int = 1) -> tuple[list[DiaryDay], list[date]]:
    rng = random.Random(seed)
    first = AS_OF - timedelta(days=729)
    injections = [first + timedelta(days=120 + 84 * k) for k in range(8)]
    days = []
    for n in range(730):
        on = first + timedelta(days=n)
        if rng.random() < 0.03:
            continue  # a forgotten day
        treated = on >= injections[0]
        if rng.random() < (0.3 if treated else 0.6):
            migraine = rng.random() < 0.6
            days.append(
                DiaryDay(
                    on=on,
                    headache=True,
                    hours=Decimal(rng.choice([2, 4, 6, 12])),
                    intensity=rng.choice([2, 3]) if migraine else 1,
                    unilateral=migraine,
                    pulsating=migraine,
                    nausea=migraine,
                    acute_medication=frozenset(
                        {MedicationClass.TRIPTAN}
                        if migraine
                        else {MedicationClass.SIMPLE_ANALGESIC}
                    ),
                )
            )
        else:
            days.append(DiaryDay(on=on, headache=False))
    return days, [d for d in injections if d <= AS_OF]


def main() -> None:
    days, injections = two_year_diary()

    def chart() -> object:
        return summary_as_dict(summarize(days, injections, AS_OF, failed_preventives=3))

    result = measure(chart, repeat=200)
    report(
        "diary_chart",
        {
            **result,
            "diary_days": len(days),
            "injections": len(injections),
            "load_average": os.getloadavg(),
        },
        target="median ≤ 20 ms for 2 years of diary (summarize + summary_as_dict)",
    )
    plots_and_letter(days, injections)
    patient, vendor = store_in_database(days, injections)
    from bonta.migraine.services import load_diary_snapshot, summarize_snapshot

    def chart_from_database() -> object:
        return summary_as_dict(summarize_snapshot(load_diary_snapshot(patient), AS_OF))

    report(
        f"diary_chart_from_{vendor}",
        {
            **measure(chart_from_database, repeat=100),
            "database": vendor,
            "diary_days": len(days),
            "load_average": os.getloadavg(),
        },
        target="the same, the diary loaded through the ORM (4 queries) first",
    )


def ten_year_diary() -> tuple[list[DiaryDay], list[date]]:
    """Two years' days repeated over ten years (every date recorded), a session every 12 weeks."""
    pattern, _ = two_year_diary()
    first = AS_OF - timedelta(days=3649)
    shifted = [
        replace(pattern[n % len(pattern)], on=first + timedelta(days=n)) for n in range(3650)
    ]
    injections = [first + timedelta(days=28 + 84 * k) for k in range(43)]
    return shifted, [d for d in injections if d <= AS_OF]


def plots_and_letter(days: list[DiaryDay], injections: list[date]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()
    from bonta.domain.headache.questionnaires import Instrument
    from bonta.migraine.diary_plot import headache_plot
    from bonta.migraine.letter import MigraineLetter, ScoreLine
    from bonta.migraine.letter_pdf import render_migraine_letter

    long_days, long_injections = ten_year_diary()
    summary = summarize(long_days, long_injections, AS_OF, failed_preventives=3)
    report(
        "diary_plot_10_years",
        {
            **measure(lambda: (headache_plot(summary), headache_plot(summary, None)), repeat=50),
            "periods": len(summary.periods),
            "load_average": os.getloadavg(),
        },
        target="none: the page's two headache plots for 10 years of diary",
    )
    data = summary_as_dict(summarize(days, injections, AS_OF, failed_preventives=3))
    letter = MigraineLetter(
        kind="continuation",
        as_of=AS_OF,
        patient_name="Bench Patient",
        birth_date=date(1980, 1, 1),
        record_number="BENCH-1",
        prepared_by="bench, Clinician",
        summary=data,
        baseline=next(p for p in data["periods"] if p["label"] == "baseline"),
        latest=[p for p in data["periods"] if p["index"] >= 0 and p["complete"]][-1],
        latest_missing_reason=None,
        preventives=(),
        overuse_statement=None,
        scores=tuple(ScoreLine(i, None, None) for i in Instrument),
        injections=(),
    )
    report(
        "migraine_letter_pdf",
        {
            **measure(lambda: render_migraine_letter(letter), repeat=30, warmup=2),
            "load_average": os.getloadavg(),
        },
        target="none: one-page A4 summary letter (reportlab), 2 years of diary",
    )


def store_in_database(days: list[DiaryDay], injections: list[date]) -> tuple[object, str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()
    from datetime import UTC, datetime, time

    from django.core.management import call_command
    from django.db import connection

    from bonta.accounts.models import Role, User
    from bonta.migraine.models import DiaryEntry, EnteredBy
    from bonta.records.models import Course, Encounter, Patient

    call_command("migrate", interactive=False, verbosity=0)
    Patient.objects.filter(record_number="BENCH-CHART").delete()
    patient = Patient.objects.create(
        record_number="BENCH-CHART", given_name="B", family_name="C", birth_date=date(1980, 1, 1)
    )
    neuro = User.objects.filter(username="bench-chart").first() or User.objects.create(
        username="bench-chart", role=Role.CLINICIAN
    )
    course = Course.objects.create(patient=patient, pathway="chronic_migraine", started_on=AS_OF)
    for on in injections:
        at = datetime.combine(on, time(10), tzinfo=UTC)
        Encounter.objects.create(
            patient=patient,
            course=course,
            pathway="chronic_migraine",
            at=at,
            product="botox",
            clinician=neuro,
            status="signed",
            signed_by=neuro,
            signed_at=at,
        )
    rows = []
    for day in days:
        entry = DiaryEntry(patient=patient, entered_by=EnteredBy.PATIENT)
        entry.copy_from(day)
        rows.append(entry)
    DiaryEntry.objects.bulk_create(rows)
    return patient, connection.vendor


if __name__ == "__main__":
    main()
