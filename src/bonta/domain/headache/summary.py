"""One patient's chart analytics in one call, and its JSON-ready form.

`summarize` is the load-then-compute entry point the CLI, the chart and the letters share:
periods, cycles with responder status, ICHD-3 chronic migraine and medication overuse, and the
NICE TA260 initiation and continuation verdicts. `summary_as_dict` is the one place that turns
it into plain data (dates as ISO strings, percentages as Decimals with one decimal, rounded
down), so every interface shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.ichd import (
    ChronicMigraine,
    MedicationOveruse,
    chronic_migraine,
    medication_overuse,
)
from bonta.domain.headache.nice import (
    Continuation,
    Initiation,
    OveruseManagement,
    baseline_period,
    nice_continuation,
    nice_initiation,
)
from bonta.domain.headache.outcomes import (
    Reduction,
    headache_day_reduction,
    percent_for_display,
    responder_status,
    responder_thresholds,
)
from bonta.domain.headache.periods import (
    Cycle,
    DayCounts,
    Diary,
    Period,
    cycles,
    diary_from,
    periods,
)


@dataclass(frozen=True, slots=True)
class DiarySummary:
    diary: Diary
    periods: tuple[Period, ...]
    baseline: Period | None
    cycles: tuple[Cycle, ...]
    chronic_migraine: ChronicMigraine
    medication_overuse: MedicationOveruse
    initiation: Initiation
    continuation: Continuation


def summarize(
    days: Iterable[DiaryDay],
    injections: Iterable[date],
    as_of: date,
    failed_preventives: int | None = None,
    overuse_managed: OveruseManagement | bool | None = None,
) -> DiarySummary:
    """Everything the chart shows for one patient's diary as of `as_of`.

    `overuse_managed` is the clinician's TA260 1.1 statement that counts on `as_of`
    (`bonta.domain.headache.nice.overuse_management_as_of`); None: not recorded.
    """
    diary = diary_from(days, injections, as_of)
    return DiarySummary(
        diary=diary,
        periods=periods(diary),
        baseline=baseline_period(diary) if diary.treated else None,
        cycles=cycles(diary),
        chronic_migraine=chronic_migraine(diary),
        medication_overuse=medication_overuse(diary),
        initiation=nice_initiation(diary, failed_preventives, overuse_managed),
        continuation=nice_continuation(diary),
    )


# ---- plain data --------------------------------------------------------------------------------


def counts_as_dict(c: DayCounts) -> dict[str, Any]:
    return {
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "days_in_window": c.days_in_window,
        "days_recorded": c.days_recorded,
        "days_missing": c.days_missing,
        "headache_days": c.headache_days,
        "headache_days_4h": c.headache_days_4h,
        "migraine_days": c.migraine_days,
        "acute_medication_days": c.acute_medication_days,
        "acute_medication_days_by_class": {
            cls.value: n for cls, n in c.acute_medication_days_by_class.items()
        },
    }


def reduction_as_dict(reduction: Reduction) -> dict[str, Any]:
    return {
        "reduction_percent_lowest": percent_for_display(reduction.lowest_percent),
        "reduction_percent_highest": percent_for_display(reduction.highest_percent),
        "responder": {str(percent): j.value for percent, j in responder_status(reduction).items()},
    }


def _outcome(baseline: Period | None, counts: DayCounts) -> dict[str, Any]:
    if baseline is None:
        return {}
    return reduction_as_dict(headache_day_reduction(baseline.counts, counts))


def period_as_dict(p: Period, baseline: Period | None) -> dict[str, Any]:
    data = {"index": p.index, "label": p.label, "complete": p.complete}
    data |= counts_as_dict(p.counts)
    if p.index >= 0:
        data |= _outcome(baseline, p.counts)
    return data


def cycle_as_dict(cycle: Cycle, baseline: Period | None) -> dict[str, Any]:
    return {
        "number": cycle.number,
        "injection": cycle.injection.isoformat(),
        "end": cycle.end.isoformat(),
        "complete": cycle.complete,
        **counts_as_dict(cycle.counts),
        **_outcome(baseline, cycle.counts),
        "windows": [
            {"weeks": w.weeks, "complete": w.complete}
            | counts_as_dict(w.counts)
            | _outcome(baseline, w.counts)
            for w in cycle.windows
        ],
    }


def _period_ref(p: Period) -> dict[str, Any]:
    return {"label": p.label, "start": p.counts.start.isoformat(), "end": p.counts.end.isoformat()}


def summary_as_dict(s: DiarySummary) -> dict[str, Any]:
    """The summary as JSON-ready data (the `bonta diary summarize --json` contract)."""
    cm = s.chronic_migraine
    mo = s.medication_overuse
    ini = s.initiation
    cont = s.continuation
    return {
        "as_of": s.diary.as_of.isoformat(),
        "injections": [d.isoformat() for d in s.diary.injections],
        "periods": [period_as_dict(p, s.baseline) for p in s.periods],
        "cycles": [cycle_as_dict(c, s.baseline) for c in s.cycles],
        "responder_thresholds": [
            {
                "reduction_percent": t.reduction_percent,
                "needs_verification": t.needs_verification,
                "source": t.source,
            }
            for t in responder_thresholds()
        ],
        "chronic_migraine": {
            "meets": cm.meets,
            "status": cm.judgement.value,
            "periods": [
                _period_ref(p) | {"status": j.value}
                for p, j in zip(cm.periods, cm.per_period, strict=True)
            ],
            "reasons": list(cm.reasons),
            "source": cm.source,
        },
        "medication_overuse": {
            "flag": mo.flag,
            "classes": list(mo.overused),
            "not_evaluable": list(mo.not_evaluable),
            "headache_days_criterion_a": mo.headache_days_criterion_a.value,
            "periods": [_period_ref(p) for p in mo.periods],
            "detail": [
                {
                    "class": c.name,
                    "code": c.code,
                    "threshold_days": c.threshold_days,
                    "days_per_period": list(c.days_per_period),
                    "status": None if c.judgement is None else c.judgement.value,
                    "source": c.source,
                }
                for c in mo.classes
            ],
            "source": mo.source,
            "multiple_classes": {
                "code": mo.multiple_classes.code,
                "possible": mo.multiple_classes.possible,
                "needs_verification": mo.multiple_classes.needs_verification,
                "readings": [
                    {"days_per_month": r.days_per_month, "status": r.judgement.value}
                    for r in mo.multiple_classes.readings
                ],
                "days_per_period": list(mo.multiple_classes.days_per_period),
                "reasons": list(mo.multiple_classes.reasons),
                "source": mo.multiple_classes.source,
            },
        },
        "nice": {
            "initiation": {
                "eligible": ini.eligible,
                "status": ini.judgement.value,
                "criteria": {
                    "chronic_migraine": ini.chronic_migraine.value,
                    "failed_preventives": ini.failed_preventives.value,
                    "overuse_managed": ini.overuse_managed.value,
                },
                "overuse_management": (
                    None
                    if ini.overuse_statement is None
                    else {
                        "managed": ini.overuse_statement.managed,
                        "recorded_on": (
                            None
                            if ini.overuse_statement.recorded_on is None
                            else ini.overuse_statement.recorded_on.isoformat()
                        ),
                    }
                ),
                "reasons": list(ini.reasons),
                "source": ini.source,
            },
            "continuation": {
                "verdict": cont.verdict.value,
                "reasons": list(cont.reasons),
                "review": list(cont.review),
                "inadequate_response": cont.inadequate_response.value,
                "episodic": cont.episodic.value,
                "response": (
                    None
                    if cont.reduction is None or cont.response_cycle is None
                    else {"cycle": cont.response_cycle.number}
                    | counts_as_dict(cont.response_cycle.counts)
                    | reduction_as_dict(cont.reduction)
                ),
                "episodic_periods": [
                    _period_ref(p) | {"headache_days": p.counts.headache_days}
                    for p in cont.episodic_periods
                ],
                "source": cont.source,
            },
        },
    }
