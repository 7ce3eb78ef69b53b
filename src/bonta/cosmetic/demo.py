"""Synthetic cosmetic outcomes for the demo clinic (`bonta.demo`): baselines, 2-week reviews and
check-in answers, so the chart's cosmetic panel and the touch-up predictions show real data.

Made up, like the rest of the demo: grades and wear-off weeks come from a seeded generator of
their own (the clinic's generator is left untouched, so the demo's patients and sessions do not
change). They follow Bonta's rules: a baseline on the day of the first session in an area, the
review two weeks later (the clinic's policy), check-ins at weeks 8, 12 and 16 until movement is
reported back, never after the area's next session or after yesterday.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from bonta.cosmetic.models import (
    AssessmentKind,
    CosmeticAssessment,
    WearOffReport,
    WearOffSource,
)
from bonta.cosmetic.outcomes import CHECKIN_WEEKS
from bonta.domain.anatomy import areas_of
from bonta.domain.pathways import Pathway
from bonta.domain.plan import Injection
from bonta.records.models import Encounter

SHARE = 0.4  # of cosmetic patients with recorded outcomes (all of them for the showcase)
RETURNED_AT = (8, 12, 12, 16, 16, None)  # the check-in week movement is reported back, if any


def course_outcomes(
    rng: random.Random,
    sessions: Sequence[tuple[Encounter, tuple[Injection, ...]]],
    *,
    by: Any,
    today: date,
    showcase: bool = False,
) -> list[Any]:
    """Assessment and wear-off rows for one cosmetic course's sessions (oldest first)."""
    if not sessions or (not showcase and rng.random() >= SHARE):
        return []
    rows: list[Any] = []
    seen: set[str] = set()
    days = [e.at.date() for e, _ in sessions]
    for i, (encounter, plan) in enumerate(sessions):
        renewal = days[i + 1] if i + 1 < len(days) else None
        for area in areas_of(Pathway.COSMETIC, (p.muscle for p in plan)):
            if area not in seen:
                seen.add(area)
                rows += _baseline_and_review(rng, encounter, area, days[i], by, today)
            rows += _check_ins(rng, encounter, area, days[i], renewal, by, today)
    return rows


def _baseline_and_review(
    rng: random.Random, encounter: Encounter, area: str, on: date, by: Any, today: date
) -> list[CosmeticAssessment]:
    at_max = rng.choice((2, 3, 3))
    rest = rng.randint(0, at_max - 1)
    rows = [_assessment(encounter, area, AssessmentKind.BASELINE, on, rest, at_max, by)]
    review_on = on + timedelta(weeks=2)
    if review_on < today:
        after = max(0, at_max - rng.choice((1, 2, 2, 3)))
        rows.append(
            _assessment(
                encounter, area, AssessmentKind.REVIEW_2W, review_on, min(rest, after), after, by
            )
        )
    return rows


def _assessment(
    encounter: Encounter, area: str, kind: str, on: date, rest: int, at_max: int, by: Any
) -> CosmeticAssessment:
    return CosmeticAssessment(
        patient=encounter.patient,
        area=area,
        assessed_on=on,
        kind=kind,
        grade_at_rest=rest,
        grade_at_max=at_max,
        encounter=None if kind == AssessmentKind.BASELINE else encounter,
        recorded_by=by,
    )


def _check_ins(
    rng: random.Random,
    encounter: Encounter,
    area: str,
    on: date,
    renewal: date | None,
    by: Any,
    today: date,
) -> Iterable[WearOffReport]:
    returned_at = rng.choice(RETURNED_AT)
    for week in CHECKIN_WEEKS:
        day = on + timedelta(weeks=week, days=rng.randint(0, 6))
        if day >= today or (renewal is not None and day >= renewal):
            return
        back = week == returned_at
        yield WearOffReport(
            patient=encounter.patient,
            encounter=encounter,
            area=area,
            reported_on=day,
            returned=back,
            source=WearOffSource.STAFF,  # demo patients have no portal accounts
            recorded_by=by,
        )
        if back:
            return


def save(rows: Sequence[Any]) -> None:
    """Bulk-insert the rows (assessments before reports), inside the caller's transaction."""
    for model in (CosmeticAssessment, WearOffReport):
        found = [r for r in rows if isinstance(r, model)]
        if found:
            model.objects.bulk_create(found, batch_size=2000)
