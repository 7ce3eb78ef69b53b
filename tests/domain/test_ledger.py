"""bonta.domain.ledger: the cumulative window and the next allowed date, as the engine counts
them; across a brand change the longest interval wins and both products are named (§11.3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bonta.domain.calendar import Interval
from bonta.domain.errors import InvalidInput
from bonta.domain.ledger import cumulative_window, next_allowed
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.products import get_product
from bonta.domain.safety import check
from bonta.domain.scheduling import (
    AreaTreatment,
    RetreatmentIntervalUnknown,
    SchedulingPolicy,
    SignedSession,
    next_visits,
)

from .builders import GLABELLAR, session, single_site_plan
from .builders import PREEMPT_MUSCLES as PREEMPT

BOTOX_COSMETIC_ON = date(2026, 1, 1)  # + 90 days (products.toml, HCP-BOTOXC) = 2026-04-01
DYSPORT_ON = BOTOX_COSMETIC_ON + timedelta(days=30)  # 2026-01-31
CLINIC_30_DAYS = SchedulingPolicy(clinic_minimum=Interval(30, "days", "clinic policy (test)"))


def glabellar(on: date, product: str) -> PastTreatment:
    return PastTreatment(on, product, Decimal(20), Pathway.COSMETIC, GLABELLAR)


# ---- the cumulative window -------------------------------------------------------------------


def test_the_cumulative_window_is_half_open_and_per_unit_system() -> None:
    today = date(2025, 2, 21)  # BOTOX 400 U in 3 months: (2024-11-21, 2025-02-21]
    history = [
        PastTreatment(date(2024, 11, 21), "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE),
        PastTreatment(date(2024, 11, 22), "botox_cosmetic", Decimal(20), Pathway.COSMETIC),
        PastTreatment(date(2025, 2, 21), "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE),
        PastTreatment(date(2025, 2, 1), "dysport", Decimal(50), Pathway.COSMETIC),
    ]
    window = cumulative_window("onabotulinumtoxinA", history, today)
    assert window is not None
    assert (window.units, window.limit_units) == (Decimal(175), Decimal(400))
    assert (window.start, window.end) == (date(2024, 11, 21), today)
    assert window.remaining_units == Decimal(225)
    # Dysport has no cumulative limit in the reference: nothing to count against.
    assert cumulative_window("abobotulinumtoxinA", history, today) is None


# ---- the next allowed date across brands -------------------------------------------------------


def test_xeomin_after_botox_cosmetic_waits_for_the_longer_of_the_two_intervals() -> None:
    # Xeomin 3 months (PRESCRIBERPOINT-XEO) after 2026-01-31 = 2026-04-30; BOTOX Cosmetic
    # 90 days after 2026-01-31 = 2026-05-01: BOTOX Cosmetic's own interval binds.
    allowed = next_allowed(get_product("xeomin"), [(DYSPORT_ON, "botox_cosmetic")])
    assert allowed.earliest == date(2026, 5, 1)
    assert allowed.binding is not None
    assert allowed.binding.product.code == "botox_cosmetic"
    assert allowed.describe() == (
        "90 days after 2026-01-31 (BOTOX Cosmetic on that day): BOTOX Cosmetic's interval, the "
        "longer of BOTOX Cosmetic's 90 days and Xeomin's 3 months"
    )


def test_the_planned_products_interval_binds_when_it_is_the_longer() -> None:
    # BOTOX Cosmetic planned after Xeomin on 2026-01-31: its 90 days (2026-05-01) beat
    # Xeomin's 3 months (2026-04-30).
    allowed = next_allowed(get_product("botox_cosmetic"), [(DYSPORT_ON, "xeomin")])
    assert allowed.earliest == date(2026, 5, 1)
    assert "BOTOX Cosmetic's interval, the longer of BOTOX Cosmetic's 90 days and Xeomin's " \
        "3 months" in allowed.describe()  # fmt: skip


def test_dysport_after_botox_cosmetic_is_bound_by_botox_cosmetics_interval() -> None:
    allowed = next_allowed(get_product("dysport"), [(BOTOX_COSMETIC_ON, "botox_cosmetic")])
    assert allowed.earliest == date(2026, 4, 1)
    assert [p.code for p in allowed.unknown] == ["dysport"]  # only [W] 90 days: not binding
    assert "Dysport's, which has no verified interval" in allowed.describe()


def test_no_verified_interval_and_no_record_gives_no_date() -> None:
    allowed = next_allowed(get_product("dysport"), [])
    assert (allowed.earliest, allowed.binding, allowed.describe()) == (None, None, "")


def test_an_unknown_product_in_the_history_is_refused_by_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        next_allowed(get_product("xeomin"), [(DYSPORT_ON, "nope")])
    assert refused.value.field == "history.product"


@pytest.mark.parametrize(
    ("planned", "earlier"),
    [
        ("xeomin", "botox_cosmetic"),
        ("botox_cosmetic", "xeomin"),
        ("dysport", "botox_cosmetic"),
        ("letybo", "daxxify"),
        ("jeuveau", "botox_cosmetic"),
    ],
)
@pytest.mark.parametrize("on", [date(2025, 11, 30), date(2026, 1, 31), date(2028, 2, 29)])
def test_next_allowed_is_the_first_day_the_engine_does_not_block(
    planned: str, earlier: str, on: date
) -> None:
    allowed = next_allowed(get_product(planned), [(on, earlier)])
    assert allowed.earliest is not None
    plan = single_site_plan(planned, "corrugator", 4)
    history = [glabellar(on, earlier)]

    def blocked(day: date) -> bool:
        return "retreatment_too_soon" in [
            f.code for f in check(session(plan, history=history, on=day))
        ]

    assert not blocked(allowed.earliest)
    assert blocked(allowed.earliest - timedelta(days=1))


# ---- scheduling uses it ----------------------------------------------------------------------


def dysport_touch_up(policy: SchedulingPolicy = CLINIC_30_DAYS):
    signed = SignedSession(DYSPORT_ON, Pathway.COSMETIC, "dysport", "glabellar_lines")
    earlier = [AreaTreatment(BOTOX_COSMETIC_ON, "botox_cosmetic", "glabellar_lines", Decimal(20))]
    return next_visits(signed, earlier, policy).treatment


def test_dysport_30_days_after_botox_cosmetic_waits_for_botox_cosmetics_90_days() -> None:
    window = dysport_touch_up()
    # Clinic minimum 30 days after 2026-01-31 = 2026-03-02; BOTOX Cosmetic's label 90 days
    # after 2026-01-01 = 2026-04-01: the longer applies.
    assert window.earliest == date(2026, 4, 1)
    assert window.recommended >= window.earliest
    assert window.explanation.startswith(
        "Earliest 2026-04-01: BOTOX Cosmetic was given in shared muscles on 2026-01-01 and its "
        "label interval of 90 days"
    )
    assert "ends later than the clinic's own minimum of 30 days for Dysport" in window.explanation
    assert "(clinical-reference §11.3; Dysport after BOTOX Cosmetic)" in window.explanation
    # The engine agrees: a Dysport plan the day before is blocked by BOTOX Cosmetic's interval.
    plan = single_site_plan("dysport", "corrugator", 10)
    history = [glabellar(BOTOX_COSMETIC_ON, "botox_cosmetic"), glabellar(DYSPORT_ON, "dysport")]
    day_before = check(session(plan, history=history, on=window.earliest - timedelta(days=1)))
    assert "retreatment_too_soon" in [f.code for f in day_before]
    on_the_day = check(session(plan, history=history, on=window.earliest))
    assert "retreatment_too_soon" not in [f.code for f in on_the_day]


def test_without_a_clinic_minimum_dysport_still_gets_no_proposal() -> None:
    with pytest.raises(RetreatmentIntervalUnknown):
        dysport_touch_up(SchedulingPolicy())


def test_the_same_product_keeps_its_own_wording() -> None:
    signed = SignedSession(DYSPORT_ON, Pathway.COSMETIC, "xeomin", "glabellar_lines")
    earlier = [AreaTreatment(BOTOX_COSMETIC_ON, "botox_cosmetic", "glabellar_lines", Decimal(20))]
    window = next_visits(signed, earlier).treatment
    assert window.earliest == date(2026, 4, 30)  # Xeomin's 3 months after 2026-01-31 binds
    assert window.explanation.startswith("Earliest 2026-04-30: the Xeomin label minimum")


def test_the_next_migraine_cycle_waits_for_a_glabellar_botox_cosmetic_session_in_its_muscles():
    """BOTOX Cosmetic in the glabella 3 days before a PREEMPT session: its 90 days end after
    BOTOX's 12 weeks from the session, and the engine blocks until then (corrugator, procerus)."""
    preempt_on = date(2026, 3, 4)
    cosmetic_on = preempt_on - timedelta(days=3)  # + 90 days = 2026-05-30
    signed = SignedSession(preempt_on, Pathway.CHRONIC_MIGRAINE, "botox", "chronic_migraine")
    earlier = [AreaTreatment(cosmetic_on, "botox_cosmetic", "glabellar_lines", Decimal(20))]
    window = next_visits(signed, earlier).treatment
    assert preempt_on + timedelta(weeks=12) == date(2026, 5, 27)
    assert window.earliest == window.recommended == date(2026, 5, 30)
    assert "BOTOX Cosmetic was given in shared muscles on 2026-03-01" in window.explanation
    assert "(clinical-reference §11.3; BOTOX after BOTOX Cosmetic)" in window.explanation
    plan = single_site_plan("botox", "corrugator", 5, pathway=Pathway.CHRONIC_MIGRAINE)
    history = [
        glabellar(cosmetic_on, "botox_cosmetic"),
        PastTreatment(preempt_on, "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE, PREEMPT),
    ]

    def blocked(day: date) -> bool:
        return "retreatment_too_soon" in [
            f.code for f in check(session(plan, history=history, on=day))
        ]

    assert blocked(window.earliest - timedelta(days=1))
    assert not blocked(window.earliest)
