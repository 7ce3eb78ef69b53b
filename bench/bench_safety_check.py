"""Safety check of a 39-point plan against 10 years of one patient's history, in-process.

Target (issue #2): median ≤ 0.5 ms. The history holds a PREEMPT cycle every 12 weeks, cosmetic
sessions with three other products, and imported records, over ten years before the session.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench.common import measure, report
from bonta.domain.anatomy import areas
from bonta.domain.pathways import Pathway, Side
from bonta.domain.plan import Injection, PastTreatment, PatientState, Plan, Snapshot, VialState
from bonta.domain.protocols import expand, get_protocol
from bonta.domain.safety import check

SESSION = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
PREEMPT_MUSCLES = areas()["chronic_migraine"].muscles


def ten_years_of_history() -> tuple[PastTreatment, ...]:
    history = []
    day = SESSION.date() - timedelta(days=3650)
    while day < SESSION.date() - timedelta(days=84):
        history.append(
            PastTreatment(day, "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE, PREEMPT_MUSCLES)
        )
        day += timedelta(weeks=12)
    cosmetic = ["botox_cosmetic", "xeomin", "dysport", "jeuveau"]
    day = SESSION.date() - timedelta(days=3600)
    for n in range(40):
        history.append(
            PastTreatment(
                day,
                cosmetic[n % 4],
                Decimal(20),
                Pathway.COSMETIC,
                frozenset({"orbicularis_oculi"}),
                source="local" if n % 5 else "other-clinic",
            )
        )
        day += timedelta(days=91)
    return tuple(history)


def snapshot() -> Snapshot:
    injections = list(expand(get_protocol("preempt_follow_the_pain"), "botox"))
    for muscle, side in [
        ("temporalis", Side.LEFT),
        ("temporalis", Side.RIGHT),
        ("occipitalis", Side.LEFT),
        ("occipitalis", Side.RIGHT),
        ("trapezius", Side.LEFT),
        ("trapezius", Side.RIGHT),
        ("trapezius", Side.LEFT),
        ("trapezius", Side.RIGHT),
    ]:
        injections.append(Injection(muscle, side, Decimal(5)))
    vial = VialState(
        "botox", "C1234", date(2027, 6, 30), Decimal(200), Decimal(4), SESSION - timedelta(hours=1)
    )
    plan = Plan(
        SESSION,
        Pathway.CHRONIC_MIGRAINE,
        "botox",
        tuple(injections),
        {"vial": vial},
        "preempt_follow_the_pain",
    )
    patient = PatientState(date(1980, 3, 4), "female", medications=frozenset({"muscle_relaxant"}))
    return Snapshot(patient, ten_years_of_history(), plan, SESSION.date())


def main() -> dict[str, object]:
    snap = snapshot()
    assert len(snap.plan.injections) == 39
    findings = check(snap)
    result = measure(lambda: check(snap), repeat=2000)
    result["plan_points"] = len(snap.plan.injections)
    result["history_records"] = len(snap.history)
    result["findings"] = [f.code for f in findings]
    return report("safety_check", result, "median <= 0.5 ms")


if __name__ == "__main__":
    main()
