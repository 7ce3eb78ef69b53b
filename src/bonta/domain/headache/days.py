"""One headache-diary day and what it shows: headache day, ≥4 h headache day, migraine day.

A `DiaryDay` is one patient-day as the patient recorded it (a local calendar date). A date with
no `DiaryDay` is *missing*: it is never read as a headache-free day anywhere in the domain.

What a single diary day can and cannot show
-------------------------------------------
Shown by the day itself:

- **Headache day**: `headache` is true.
- **Headache day of ≥4 h**: a headache day with `hours` ≥ 4, the label's indication wording
  "headache lasting 4 hours a day or longer" (clinical-reference §1.1).
- **Migraine day** (ICHD-3 1.3 C, clinical-reference §4.3): a headache day fulfilling any of
  C1 criteria C and D of 1.1 (≥2 of unilateral / pulsating / moderate-or-severe intensity /
  aggravated by activity; and nausea-or-vomiting, or photophobia *and* phonophobia),
  C2 criteria B and C of 1.2, or C3 believed migraine at onset and relieved by a triptan or
  ergot.

Not shown by a diary day, so not checked here (a clinician establishes them from history):

- 1.1 A and 1.3 B (at least five earlier attacks) and 1.1 E / 1.3 D (not better accounted for by
  another ICHD-3 diagnosis).
- 1.1 B (attacks lasting 4–72 h untreated or unsuccessfully treated): an attack can span
  several diary days and `hours` is hours *of headache on that date*, so the attack's duration,
  and whether it was treated, is not known. 1.3 C1 asks only for 1.1 C and D, so migraine days
  do not depend on it.
- 1.2 B and C (fully reversible aura symptoms with at least three of six characteristics): the
  diary has one `aura` flag and records none of the six characteristics. **Simplification:**
  a headache day with `aura` set is taken to meet 1.2 B and C (C2), i.e. the patient's aura
  report is trusted. A clinician who doubts it reads the C1 and C3 results, reported apart.
- Features are recorded per day, not per attack: two different headaches on one date merge
  their features. "Believed to be migraine at onset" (C3) is the patient's per-day answer.
- Aura without headache is not a migraine day: 1.3 counts days of *headache* with migraine
  features ("headache … which, on at least 8 days per month, has the features of migraine
  headache", 1.3 description).

SQL reading (for the population report): with one row per recorded date,
``headache_day = headache``, ``headache_day_4h = headache AND hours >= 4``, ``migraine_day =
headache AND (c1 OR aura OR (believed_migraine AND relieved_by_triptan_or_ergot))`` where
``c1 = (unilateral::int + pulsating::int + (intensity >= 2)::int + worse_with_activity::int) >= 2
AND (nausea OR vomiting OR (photophobia AND phonophobia))``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache

from bonta.domain.errors import InvalidInput
from bonta.domain.reference import load

HOURS_IN_A_DAY = Decimal(24)
INTENSITY_LABELS = ("none", "mild", "moderate", "severe")  # intensity 0–3, issue 4
MODERATE = 2  # ICHD-3 1.1 C3 "moderate or severe pain intensity"


class MedicationClass(StrEnum):
    """Acute-medication classes a diary records (issue 4); ICHD-3 8.2 names the first five."""

    TRIPTAN = "triptan"
    ERGOT = "ergot"
    OPIOID = "opioid"
    SIMPLE_ANALGESIC = "simple_analgesic"  # ICHD-3 8.2.3 non-opioid analgesics, one class
    COMBINATION_ANALGESIC = "combination_analgesic"  # ICHD-3 8.2.5
    GEPANT = "gepant"
    DITAN = "ditan"
    OTHER = "other"


MEDICATION_CLASSES: tuple[MedicationClass, ...] = tuple(MedicationClass)


@dataclass(frozen=True, slots=True)
class DiaryDay:
    """What the patient recorded for one local calendar date."""

    on: date
    headache: bool
    hours: Decimal = Decimal(0)  # hours of headache on this date, 0–24
    intensity: int = 0  # peak: 0 none, 1 mild, 2 moderate, 3 severe
    unilateral: bool = False
    pulsating: bool = False
    worse_with_activity: bool = False
    nausea: bool = False
    vomiting: bool = False
    photophobia: bool = False
    phonophobia: bool = False
    aura: bool = False
    believed_migraine: bool = False
    relieved_by_triptan_or_ergot: bool = False
    acute_medication: frozenset[MedicationClass] = frozenset()

    def __post_init__(self) -> None:
        check_possible_day(self)


# The yes/no fields of a diary day, in the order of the CSV format and the database columns.
DAY_FLAGS: tuple[str, ...] = (
    "headache",
    "unilateral",
    "pulsating",
    "worse_with_activity",
    "nausea",
    "vomiting",
    "photophobia",
    "phonophobia",
    "aura",
    "believed_migraine",
    "relieved_by_triptan_or_ergot",
)
# Every field of a diary day in that same order: date, the flags with hours and intensity
# after `headache`, then the medicine classes.
DAY_FIELDS: tuple[str, ...] = (
    "on", "headache", "hours", "intensity", *DAY_FLAGS[1:], "acute_medication"
)  # fmt: skip


def check_possible_day(day: DiaryDay) -> None:
    """Reject a day that cannot have happened; raise InvalidInput naming the field."""
    if not isinstance(day.hours, Decimal) or not day.hours.is_finite():
        raise InvalidInput("hours", "must be a number of hours")
    if day.hours < 0 or day.hours > HOURS_IN_A_DAY:
        raise InvalidInput("hours", "must be between 0 and 24")
    if isinstance(day.intensity, bool) or day.intensity not in range(len(INTENSITY_LABELS)):
        raise InvalidInput("intensity", "must be 0 (none), 1 (mild), 2 (moderate) or 3 (severe)")
    if not day.headache and day.hours > 0:
        raise InvalidInput("hours", "must be 0 on a day without headache")
    if not day.headache and day.intensity > 0:
        raise InvalidInput("intensity", "must be 0 on a day without headache")
    unknown = [m for m in day.acute_medication if not isinstance(m, MedicationClass)]
    if unknown:
        raise InvalidInput("acute_medication", f"unknown class {unknown[0]!r}")


def index_by_date(days: Iterable[DiaryDay]) -> dict[date, DiaryDay]:
    """The diary keyed by date; a date recorded twice is an error, whatever the order."""
    by_date: dict[date, DiaryDay] = {}
    for day in days:
        if day.on in by_date:
            raise InvalidInput("date", f"{day.on.isoformat()} is recorded more than once")
        by_date[day.on] = day
    return by_date


# ---- day classification ------------------------------------------------------------------------


@cache
def label_headache_hours() -> Decimal:
    return Decimal(str(load("headache")["label_indication"]["headache_hours_per_day"]))


def is_headache_day(day: DiaryDay) -> bool:
    return day.headache


def is_headache_day_of_4_hours(day: DiaryDay) -> bool:
    """Headache lasting 4 hours a day or longer (BOTOX indication, clinical-reference §1.1)."""
    return day.headache and day.hours >= label_headache_hours()


def has_ichd3_1_1_c_characteristics(day: DiaryDay) -> bool:
    """ICHD-3 1.1 C: at least two of unilateral, pulsating, moderate-or-severe, aggravated."""
    characteristics = (
        day.unilateral,  # 1.1 C1
        day.pulsating,  # 1.1 C2
        day.intensity >= MODERATE,  # 1.1 C3
        day.worse_with_activity,  # 1.1 C4
    )
    return sum(characteristics) >= 2


def has_ichd3_1_1_d_accompaniment(day: DiaryDay) -> bool:
    """ICHD-3 1.1 D: nausea and/or vomiting, or photophobia and phonophobia."""
    return day.nausea or day.vomiting or (day.photophobia and day.phonophobia)


def meets_1_3_c1(day: DiaryDay) -> bool:
    """ICHD-3 1.3 C1: a headache day fulfilling criteria C and D of 1.1."""
    return (
        day.headache and has_ichd3_1_1_c_characteristics(day) and has_ichd3_1_1_d_accompaniment(day)
    )


def meets_1_3_c2(day: DiaryDay) -> bool:
    """ICHD-3 1.3 C2, simplified: a headache day with the patient's aura flag set.

    The diary cannot check 1.2 B and C (aura symptoms, ≥3 of 6 characteristics); the flag is
    taken to mean them. See the module docstring.
    """
    return day.headache and day.aura


def meets_1_3_c3(day: DiaryDay) -> bool:
    """ICHD-3 1.3 C3: believed migraine at onset and relieved by a triptan or ergot derivative."""
    return day.headache and day.believed_migraine and day.relieved_by_triptan_or_ergot


def migraine_day_criteria(day: DiaryDay) -> frozenset[str]:
    """Which of ICHD-3 1.3 C1, C2, C3 the day meets (empty: not a migraine day)."""
    met = {
        "C1": meets_1_3_c1(day),
        "C2": meets_1_3_c2(day),
        "C3": meets_1_3_c3(day),
    }
    return frozenset(code for code, ok in met.items() if ok)


def is_migraine_day(day: DiaryDay) -> bool:
    """ICHD-3 1.3 C: a headache day fulfilling C1, C2 or C3."""
    return meets_1_3_c1(day) or meets_1_3_c2(day) or meets_1_3_c3(day)


def is_acute_medication_day(day: DiaryDay) -> bool:
    """A day with any acute medication recorded, of any class (`other` included)."""
    return bool(day.acute_medication)
