"""Cosmetic outcomes, pure: the facial wrinkle scale, change from baseline, the wear-off rule
and the portal check-in windows. No Django, no clock, no database.

Facts and where they come from:
- The Allergan Facial Wrinkle Scale (FWS) has 4 grades, 0 none, 1 mild, 2 moderate, 3 severe
  (clinical-reference §7 [S]; CT-NCT02261493, CT-NCT05083286).
- "≥2-grade improvement from baseline" at maximum contraction is the forehead-lines pivotal
  studies' primary endpoint (on both the investigator's and the subject's FWS, at day 30), and
  an investigator rating of "none" or "mild" their secondary one (clinical-reference §7 [S];
  CT-NCT02261493, HCP-BOTOXC). The glabellar-trial responder definition is UNVERIFIED
  (clinical-reference §7 and UNVERIFIED item 20), and the reference gives none for any other
  area: for those areas Bonta shows the numbers and claims no responder definition.
- The check-in weeks (8, 12, 16) are issue #5's product design (a one-tap portal check-in),
  not a clinical fact.

The wear-off rule (Bonta's, documented in docs/architecture.md): an area treated in a session
"wore off" on the date of the first report that movement had returned — a portal check-in, a
staff entry, or a follow-up whose investigator grade at maximum contraction is back to the
baseline grade or worse (`has_returned`). The date is the day of the report, not a guessed
earlier day: movement returned on or before it, so the recorded duration errs long, and a
duration model fed with it errs toward a later touch-up (the safe side in the cosmetic
pathway, as in `bonta.domain.duration`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

FWS_GRADES: dict[int, str] = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}
FWS_SOURCE = "Facial Wrinkle Scale 0–3 (clinical-reference §7 [S]; CT-NCT02261493)"
NONE_OR_MILD_MAX = 1  # grades 0 "none" and 1 "mild"

TWO_GRADE_AREA = "forehead_lines"
TWO_GRADE_SOURCE = (
    "forehead-lines pivotal studies' primary endpoint: ≥2-grade improvement from baseline at "
    "maximum eyebrow elevation on both the investigator's and the subject's FWS, at day 30 "
    "(clinical-reference §7 [S]; CT-NCT02261493, HCP-BOTOXC)"
)
NO_DEFINITION_GLABELLAR = (
    "No responder definition shown: the glabellar-trial responder definition in the current "
    "label is UNVERIFIED in Bonta's clinical reference (§7)."
)
NO_DEFINITION = "No responder definition shown: the clinical reference gives none for this area."

CHECKIN_WEEKS: tuple[int, ...] = (8, 12, 16)  # issue #5: one-tap portal check-ins (not clinical)


def check_grade(grade: object) -> int:
    """A whole FWS grade 0–3, else ValueError naming the scale."""
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in FWS_GRADES:
        raise ValueError(f"must be a whole grade from 0 to 3 ({FWS_SOURCE}), not {grade!r}")
    return grade


def grade_label(grade: int) -> str:
    return f"{grade} {FWS_GRADES[grade]}"


def improvement(baseline: int, now: int) -> int:
    """Grades better than baseline (positive = fewer lines; negative = worse)."""
    return check_grade(baseline) - check_grade(now)


def none_or_mild(grade: int) -> bool:
    """The rating reads "none" or "mild" (FWS 0 or 1)."""
    return check_grade(grade) <= NONE_OR_MILD_MAX


def two_grade_improvement(area: str, baseline_max: int, now_max: int) -> bool | None:
    """≥2 grades better at maximum contraction — only for forehead lines, the one area whose
    study endpoint the reference verifies; None (not shown) for every other area."""
    if area != TWO_GRADE_AREA:
        return None
    return improvement(baseline_max, now_max) >= 2


def responder_note(area: str) -> str:
    """What the ≥2-grade flag rests on for this area, or why none is shown."""
    if area == TWO_GRADE_AREA:
        return f"≥2-grade flag: {TWO_GRADE_SOURCE}."
    if area == "glabellar_lines":
        return NO_DEFINITION_GLABELLAR
    return NO_DEFINITION


def has_returned(baseline_max: int, follow_up_max: int) -> bool:
    """Wear-off rule: the follow-up grade at maximum contraction is back to baseline or worse."""
    return check_grade(follow_up_max) >= check_grade(baseline_max)


# ---- check-in windows --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckInWindow:
    """Check-in `week` for one session area: due from `due_on` until the day before `ends_on`
    (None: the last check-in stays open until it is answered)."""

    week: int
    due_on: date
    ends_on: date | None


def checkin_windows(session_on: date) -> list[CheckInWindow]:
    """Weeks 8, 12 and 16 after the session; each is due until the next one starts."""
    starts = [session_on + timedelta(weeks=w) for w in CHECKIN_WEEKS]
    ends: list[date | None] = [*starts[1:], None]
    return [CheckInWindow(w, s, e) for w, s, e in zip(CHECKIN_WEEKS, starts, ends, strict=True)]


def due_window(
    session_on: date,
    today: date,
    *,
    reported_on: Iterable[date] = (),
    returned: bool = False,
    renewed_on: date | None = None,
) -> CheckInWindow | None:
    """The check-in due on `today` for one session area, if any.

    None when movement has already returned, when the area was treated again on or before
    `today` (the new session starts its own check-ins), before week 8, or when a report (any
    source) already falls in the current window.
    """
    if returned or (renewed_on is not None and renewed_on <= today):
        return None
    reports = list(reported_on)
    for window in checkin_windows(session_on):
        if not window.due_on <= today or (window.ends_on is not None and today >= window.ends_on):
            continue
        answered = any(
            window.due_on <= d and (window.ends_on is None or d < window.ends_on) for d in reports
        )
        return None if answered else window
    return None
