"""Next visits after a session: review, migraine cycle, cosmetic touch-up (issue 5).

Label intervals: clinical-reference §1.2 (BOTOX 12 weeks), §2.4 (BOTOX Cosmetic 90 days), §3
(Xeomin, Jeuveau, Daxxify 3 months; Dysport, Letybo UNVERIFIED). Durations: §7.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bonta.domain.calendar import Interval, add_months
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.safety import check
from bonta.domain.scheduling import (
    AreaTreatment,
    Basis,
    RetreatmentIntervalUnknown,
    SchedulingPolicy,
    SignedSession,
    next_visits,
)

from .builders import GLABELLAR, PREEMPT_MUSCLES, session, single_site_plan

ON = date(2026, 6, 15)
CLINIC_100_DAYS = SchedulingPolicy(clinic_minimum=Interval(100, "days", "clinic policy (test)"))


def cosmetic(
    product: str = "botox_cosmetic", area: str = "glabellar_lines", on: date = ON
) -> SignedSession:
    return SignedSession(on, Pathway.COSMETIC, product, area)


def migraine(on: date = ON) -> SignedSession:
    return SignedSession(on, Pathway.CHRONIC_MIGRAINE, "botox", "chronic_migraine")


def treated(
    days_before: int,
    lasted: int | None = None,
    *,
    product: str = "botox_cosmetic",
    area: str = "glabellar_lines",
    units: int = 20,
    on: date = ON,
) -> AreaTreatment:
    day = on - timedelta(days=days_before)
    wore_off = None if lasted is None else day + timedelta(days=lasted)
    return AreaTreatment(day, product, area, Decimal(units), wore_off)


def error(session_: SignedSession, history: list[AreaTreatment], **policy: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        next_visits(session_, history, SchedulingPolicy(**policy))  # type: ignore[arg-type]
    return raised.value


# ---- earliest: the label minimum, counted as the safety engine counts it --------------------


def test_botox_cosmetic_may_be_repeated_90_days_after_1_january_on_1_april() -> None:
    window = next_visits(cosmetic(on=date(2026, 1, 1)), []).treatment
    assert window.earliest == date(2026, 4, 1)


@pytest.mark.parametrize("product", ["xeomin", "jeuveau", "daxxify"])
@pytest.mark.parametrize(
    ("on", "earliest"),
    [
        (date(2026, 6, 15), date(2026, 9, 15)),
        (date(2025, 11, 30), date(2026, 2, 28)),  # calendar months: the end of February
        (date(2027, 11, 30), date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), date(2026, 4, 30)),
    ],
)
def test_three_month_products_count_calendar_months(product: str, on: date, earliest: date) -> None:
    assert next_visits(cosmetic(product, on=on), []).treatment.earliest == earliest


def test_the_next_chronic_migraine_cycle_is_twelve_weeks_later() -> None:
    window = next_visits(migraine(), []).treatment
    assert window.earliest == window.recommended == window.latest == ON + timedelta(days=84)
    assert window.basis is Basis.LABEL_MINIMUM
    assert "every 12 weeks (clinical-reference §1.2" in window.explanation


CASES = [
    ("botox_cosmetic", "glabellar_lines", "corrugator", Pathway.COSMETIC),
    ("botox_cosmetic", "lateral_canthal_lines", "orbicularis_oculi", Pathway.COSMETIC),
    ("xeomin", "forehead_lines", "frontalis", Pathway.COSMETIC),
    ("jeuveau", "glabellar_lines", "procerus", Pathway.COSMETIC),
    ("daxxify", "glabellar_lines", "corrugator", Pathway.COSMETIC),
    ("botox", "chronic_migraine", "temporalis", Pathway.CHRONIC_MIGRAINE),
]


@pytest.mark.parametrize(("product", "area", "muscle", "pathway"), CASES)
@pytest.mark.parametrize("on", [ON, date(2025, 11, 30), date(2026, 1, 31), date(2028, 2, 29)])
def test_earliest_passes_retreatment_too_soon_and_the_day_before_is_blocked(
    product: str, area: str, muscle: str, pathway: Pathway, on: date
) -> None:
    earliest = next_visits(SignedSession(on, pathway, product, area), []).treatment.earliest
    muscles = PREEMPT_MUSCLES if area == "chronic_migraine" else None
    given = [PastTreatment(on, product, Decimal(20), pathway, muscles or _area_muscles(area))]
    plan = single_site_plan(product, muscle, 5, pathway=pathway)

    def blocked(day: date) -> bool:
        findings = check(session(plan, history=given, on=day))
        return "retreatment_too_soon" in [f.code for f in findings]

    assert not blocked(earliest)
    assert blocked(earliest - timedelta(days=1))


def test_earliest_agrees_with_the_safety_engine_across_pathways() -> None:
    """A glabellar session after a PREEMPT cycle: its touch-up is counted from the glabellar
    session, the later of the two, as the safety engine counts it."""
    history = [treated(42, product="botox", area="chronic_migraine", units=155)]
    earliest = next_visits(cosmetic(), history).treatment.earliest
    given = [
        PastTreatment(ON - timedelta(days=42), "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE),
        PastTreatment(ON, "botox_cosmetic", Decimal(20), Pathway.COSMETIC, GLABELLAR),
    ]
    plan = single_site_plan("botox_cosmetic", "corrugator", 4)
    assert "retreatment_too_soon" not in [
        f.code for f in check(session(plan, history=given, on=earliest))
    ]
    assert "retreatment_too_soon" in [
        f.code for f in check(session(plan, history=given, on=earliest - timedelta(days=1)))
    ]


def _area_muscles(area: str) -> frozenset[str]:
    from bonta.domain.anatomy import areas

    return areas()[area].muscles


# ---- products without a verified label interval --------------------------------------------


# Letybo left this list with clinical-reference §11.3 (3 months, DRUGS-LETY-DOSE); Dysport's
# 90 days is [W] only, so it is not a label interval.
@pytest.mark.parametrize("product", ["dysport"])
def test_no_touch_up_is_proposed_for_a_product_without_a_label_interval(product: str) -> None:
    with pytest.raises(RetreatmentIntervalUnknown) as raised:
        next_visits(cosmetic(product), [])
    assert raised.value.field == "product"
    assert "no verified label re-treatment interval" in raised.value.message


@pytest.mark.parametrize("product", ["dysport"])
def test_the_clinic_minimum_is_used_and_named_as_clinic_policy(product: str) -> None:
    window = next_visits(cosmetic(product), [], CLINIC_100_DAYS).treatment
    assert window.earliest == ON + timedelta(days=100)
    assert "the clinic's own minimum of 100 days (clinic policy (test)), not a label figure" in (
        window.explanation
    )


def test_the_clinic_minimum_never_replaces_a_label_interval() -> None:
    short = SchedulingPolicy(clinic_minimum=Interval(30, "days", "clinic policy (test)"))
    assert next_visits(cosmetic(), [], short).treatment.earliest == ON + timedelta(days=90)


def test_letybo_without_a_duration_prior_falls_back_to_its_label_minimum() -> None:
    # §11.3 gives Letybo a label interval (3 months), which a clinic minimum never replaces
    window = next_visits(cosmetic("letybo"), [], CLINIC_100_DAYS).treatment
    assert window.basis is Basis.LABEL_MINIMUM
    assert window.earliest == add_months(ON, 3)
    assert window.recommended == window.latest == window.earliest
    assert "falls back to the label minimum" in window.explanation


def test_the_weak_dysport_prior_is_flagged() -> None:
    window = next_visits(cosmetic("dysport"), [], CLINIC_100_DAYS).treatment
    assert window.basis is Basis.POPULATION
    assert window.recommended == add_months(ON, 4)
    assert "[W], weak source: needs verification" in window.explanation


# ---- review ---------------------------------------------------------------------------------


def test_a_first_cosmetic_session_in_an_area_gets_a_review_two_weeks_later() -> None:
    visits = next_visits(cosmetic(), [treated(200, area="lateral_canthal_lines")])
    assert visits.review is not None
    assert visits.review.on == date(2026, 6, 29)
    assert "clinic policy" in visits.review.reason
    assert visits.explanation.startswith("First glabellar lines treatment on record")


def test_a_returning_patient_gets_no_review() -> None:
    assert next_visits(cosmetic(), [treated(120)]).review is None


def test_an_earlier_session_in_the_area_with_another_product_is_not_a_first() -> None:
    assert next_visits(cosmetic(), [treated(120, product="xeomin")]).review is None


def test_the_session_itself_in_the_history_does_not_make_it_a_return() -> None:
    assert next_visits(cosmetic(), [treated(0)]).review is not None


def test_the_review_interval_is_a_clinic_setting() -> None:
    policy = SchedulingPolicy(review_after=Interval(10, "days", "clinic policy (test)"))
    visits = next_visits(cosmetic(), [], policy)
    assert visits.review is not None
    assert visits.review.on == ON + timedelta(days=10)


def test_migraine_sessions_get_no_cosmetic_review() -> None:
    assert next_visits(migraine(), []).review is None


# ---- chronic migraine -----------------------------------------------------------------------


def test_the_cycle_tolerance_is_a_clinic_setting() -> None:
    policy = SchedulingPolicy(cycle_tolerance=Interval(7, "days", "clinic policy (test)"))
    window = next_visits(migraine(), [], policy).treatment
    assert (window.earliest, window.latest) == (ON + timedelta(84), ON + timedelta(91))


def test_reported_wear_off_does_not_change_the_migraine_cycle() -> None:
    history = [treated(84, 60, product="botox", area="chronic_migraine", units=155)]
    window = next_visits(migraine(), history).treatment
    assert window.recommended == ON + timedelta(days=84)
    assert "1 reported wear-off date not used" in window.explanation


# ---- touch-up: basis and duration model -----------------------------------------------------


def test_without_any_duration_the_window_is_the_label_minimum_and_says_so() -> None:
    window = next_visits(cosmetic("xeomin", "lateral_canthal_lines"), []).treatment
    assert window.basis is Basis.LABEL_MINIMUM
    assert window.earliest == window.recommended == window.latest == date(2026, 9, 15)
    assert "gives no duration of effect for lateral canthal lines with Xeomin" in (
        window.explanation
    )
    assert "falls back to the label minimum" in window.explanation


def test_a_new_botox_cosmetic_glabellar_patient_gets_the_population_four_months() -> None:
    window = next_visits(cosmetic(), []).treatment
    assert window.basis is Basis.POPULATION
    assert window.earliest == date(2026, 9, 13)
    assert window.recommended == window.latest == date(2026, 10, 15)
    assert "up to 4 months" in window.explanation
    assert "[S]" in window.explanation


def test_daxxify_uses_the_median_six_months_and_flags_its_source() -> None:
    window = next_visits(cosmetic("daxxify"), []).treatment
    assert window.recommended == date(2026, 12, 15)
    assert "[S]/[W], weak source: needs verification" in window.explanation


def test_the_personal_estimate_is_shrunk_toward_the_prior() -> None:
    # prior: 4 months from 15 June = 122 days; observed 98 and 120; k = 2
    # (2 × 122 + 98 + 120) / 4 = 115.5 → 116 days (rounded up)
    history = [treated(400, 98), treated(200, 120)]
    window = next_visits(cosmetic(), history).treatment
    assert window.basis is Basis.PERSONAL
    assert window.recommended == ON + timedelta(days=116)
    assert window.latest == ON + timedelta(days=120)
    assert "your 2 recorded treatments of glabellar lines with BOTOX Cosmetic" in (
        window.explanation
    )
    assert "lasted 98–120 days (mean 109)" in window.explanation
    assert "the predicted duration is 116 days" in window.explanation
    assert "longest one of your treatments has lasted (120 days)" in window.explanation


def test_one_observation_is_described_in_the_singular() -> None:
    window = next_visits(cosmetic(), [treated(200, 100)]).treatment
    assert "your 1 recorded treatment of glabellar lines with BOTOX Cosmetic lasted 100 days;" in (
        window.explanation
    )
    # (2 × 122 + 100) / 3 = 114.67 → 115
    assert window.recommended == ON + timedelta(days=115)


def test_without_a_prior_personal_durations_are_shrunk_toward_the_label_minimum() -> None:
    # Xeomin glabellar: no §7 duration; label minimum 3 months from 15 June = 92 days
    # (2 × 92 + 150) / 3 = 111.33 → 112
    window = next_visits(cosmetic("xeomin"), [treated(300, 150, product="xeomin")]).treatment
    assert window.basis is Basis.PERSONAL
    assert window.recommended == ON + timedelta(days=112)
    assert "the label minimum of 3 months (the clinical reference gives no duration" in (
        window.explanation
    )


def test_a_short_personal_duration_never_moves_the_date_before_the_label_minimum() -> None:
    history = [treated(100 * i, 30) for i in range(1, 6)]
    window = next_visits(cosmetic(), history).treatment
    assert window.recommended == window.earliest == ON + timedelta(days=90)
    assert "before the earliest date, so the earliest is recommended" in window.explanation


def test_with_prior_weight_zero_the_personal_mean_is_used_as_it_is() -> None:
    history = [treated(400, 150), treated(200, 160)]
    window = next_visits(cosmetic(), history, SchedulingPolicy(prior_weight=0)).treatment
    assert window.recommended == ON + timedelta(days=155)


def test_durations_with_another_product_or_area_are_not_used() -> None:
    history = [
        treated(400, 200, product="xeomin"),
        treated(300, 200, area="lateral_canthal_lines"),
    ]
    window = next_visits(cosmetic(), history).treatment
    assert window.basis is Basis.POPULATION
    assert window.recommended == add_months(ON, 4)
    assert "1 wear-off date recorded with other products in this area is not used" in (
        window.explanation
    )


def test_a_treatment_without_a_wear_off_date_is_not_an_observation() -> None:
    assert next_visits(cosmetic(), [treated(200)]).treatment.basis is Basis.POPULATION


# ---- input rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session_", "field", "words"),
    [
        (cosmetic("nope"), "product", "unknown product 'nope'"),
        (cosmetic(area="nope"), "area", "unknown treatment area 'nope'"),
        (cosmetic(area="chronic_migraine"), "area", "chronic_migraine is a chronic_migraine area"),
        (
            SignedSession(ON, Pathway.CHRONIC_MIGRAINE, "botox", "glabellar_lines"),
            "area",
            "glabellar_lines is a cosmetic area",
        ),
        (cosmetic("botox"), "product", "BOTOX is not labelled for cosmetic"),
        (
            SignedSession(ON, Pathway.CHRONIC_MIGRAINE, "xeomin", "chronic_migraine"),
            "product",
            "Xeomin is not labelled for chronic migraine (labelled: botox)",
        ),
    ],
)
def test_a_bad_session_names_its_field(session_: SignedSession, field: str, words: str) -> None:
    raised = error(session_, [])
    assert raised.field == field
    assert words in raised.reason


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        (treated(100, product="nope"), "history[1].product", "unknown product"),
        (treated(100, area="nope"), "history[1].area", "unknown treatment area"),
        (treated(100, units=0), "history[1].units", "greater than 0"),
        (treated(100, units=-5), "history[1].units", "greater than 0"),
        (treated(-1), "history[1].date", "2026-06-16 is after on (2026-06-15)"),
        (treated(100, -1), "history[1].wore_off_on", "is before the treatment's date"),
        (
            treated(100, 101),
            "history[1].wore_off_on",
            "is after the next glabellar_lines treatment on 2026-06-15",
        ),
    ],
)
def test_a_bad_history_record_names_its_field(
    record: AreaTreatment, field: str, words: str
) -> None:
    raised = error(cosmetic(), [treated(300), record])
    assert raised.field == field
    assert words in raised.reason


def test_a_wear_off_after_the_next_treatment_of_the_area_is_an_error() -> None:
    history = [treated(300, 150, area="forehead_lines"), treated(200, area="forehead_lines")]
    raised = error(cosmetic(), history)
    assert raised.field == "history[0].wore_off_on"
    assert "after the next forehead_lines treatment on 2025-11-27" in raised.reason


def test_a_wear_off_on_the_day_of_the_next_treatment_is_accepted() -> None:
    window = next_visits(cosmetic(), [treated(100, 100)]).treatment
    assert window.basis is Basis.PERSONAL


def test_a_wear_off_on_the_treatment_day_is_accepted() -> None:
    assert next_visits(cosmetic(), [treated(100, 0)]).treatment.basis is Basis.PERSONAL


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"review_after": Interval(0, "days", "x")}, "policy.review_after"),
        ({"prior_weight": -1}, "policy.prior_weight"),
        ({"clinic_minimum": Interval(0, "days", "x")}, "policy.clinic_minimum"),
        ({"cycle_tolerance": Interval(-1, "days", "x")}, "policy.cycle_tolerance"),
    ],
)
def test_a_bad_policy_is_refused(policy: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        SchedulingPolicy(**policy)  # type: ignore[arg-type]
    assert raised.value.field == field
