"""Properties of the next-visit proposal over generated valid histories."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bonta.domain.anatomy import areas
from bonta.domain.calendar import Interval
from bonta.domain.duration import shrunk_duration
from bonta.domain.pathways import Pathway, Side
from bonta.domain.plan import PastTreatment
from bonta.domain.products import get_product
from bonta.domain.safety import check
from bonta.domain.scheduling import (
    AreaTreatment,
    SchedulingPolicy,
    SignedSession,
    minimum_interval,
    next_visits,
)

from . import builders
from .builders import session

PRODUCTS = ("botox_cosmetic", "xeomin", "jeuveau", "daxxify", "dysport", "letybo")
COSMETIC_AREAS = sorted(a.code for a in areas().values() if a.pathway is Pathway.COSMETIC)
ALL_AREAS = sorted(areas())

policies = st.builds(
    SchedulingPolicy,
    prior_weight=st.integers(0, 6),
    clinic_minimum=st.integers(1, 200).map(lambda d: Interval(d, "days", "clinic policy (test)")),
)
sessions = st.one_of(
    st.builds(
        SignedSession,
        on=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
        pathway=st.just(Pathway.COSMETIC),
        product=st.sampled_from(PRODUCTS),
        area=st.sampled_from(COSMETIC_AREAS),
    ),
    st.builds(
        SignedSession,
        on=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
        pathway=st.just(Pathway.CHRONIC_MIGRAINE),
        product=st.just("botox"),
        area=st.just("chronic_migraine"),
    ),
)
raw_records = st.lists(
    st.tuples(
        st.integers(0, 1500) | st.sampled_from([0, 90, 180]),  # days before the session
        st.sampled_from((*PRODUCTS, "botox")),
        st.sampled_from(ALL_AREAS),
        st.integers(1, 400),
        st.none() | st.integers(0, 400),  # days the effect lasted
    ),
    max_size=12,
)


def valid_history(
    s: SignedSession, raw: list[tuple[int, str, str, int, int | None]]
) -> list[AreaTreatment]:
    """Records on or before the session; a wear-off never after the area's next treatment."""
    dated = sorted(
        ((s.on - timedelta(days=before), p, a, u, w) for before, p, a, u, w in raw),
        key=lambda r: r[0],
    )
    records: list[AreaTreatment] = []
    for day, product, area, units, lasted in dated:
        wore_off = None
        if lasted is not None:
            later = [d for d, _, a, _, _ in dated if a == area and d > day]
            if area == s.area and s.on > day:
                later.append(s.on)
            wore_off = min([day + timedelta(days=lasted), *later])
        records.append(AreaTreatment(day, product, area, Decimal(units), wore_off))
    return records


@settings(max_examples=300)
@given(sessions, raw_records, policies)
def test_the_window_is_ordered_and_never_before_the_label_minimum(
    s: SignedSession, raw: list[tuple[int, str, str, int, int | None]], policy: SchedulingPolicy
) -> None:
    history = valid_history(s, raw)
    window = next_visits(s, history, policy).treatment
    minimum = minimum_interval(get_product(s.product), policy)
    # Never before the minimum after the session; later only where another product given in
    # shared muscles has a longer label interval still running (§11.3, the longest wins).
    muscles_ = areas()[s.area].muscles
    others = [
        interval.after(r.on)
        for r in history
        if (interval := get_product(r.product).retreatment_interval) is not None
        and r.product != s.product
        and (r.area == s.area or areas()[r.area].muscles & muscles_)
    ]
    assert window.earliest == max([minimum.after(s.on), *others])
    assert window.earliest <= window.recommended <= window.latest
    if get_product(s.product).retreatment_interval is None:
        assert "clinic's own minimum" in window.explanation


@settings(max_examples=300)
@given(sessions, raw_records, policies, st.randoms(use_true_random=False))
def test_the_proposal_does_not_depend_on_the_order_of_history(
    s: SignedSession,
    raw: list[tuple[int, str, str, int, int | None]],
    policy: SchedulingPolicy,
    rnd: random.Random,
) -> None:
    history = valid_history(s, raw)
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert next_visits(s, shuffled, policy) == next_visits(s, history, policy)


@settings(max_examples=200)
@given(sessions, raw_records)
def test_a_session_on_earliest_passes_the_safety_engine_and_the_day_before_does_not(
    s: SignedSession, raw: list[tuple[int, str, str, int, int | None]]
) -> None:
    if get_product(s.product).retreatment_interval is None:
        return  # no label interval: the safety engine raises an info, never a block
    history = valid_history(s, raw)
    earliest = next_visits(s, history).treatment.earliest
    # Safety engine v2 (clinical-reference §11.3): an earlier record of another product in the
    # same muscles brings its own interval, and the longest wins; scheduling applies the same
    # rule (bonta.domain.ledger.next_allowed), so every history is checked, brand changes too.
    given_ = [_past(r) for r in history] + [
        PastTreatment(s.on, s.product, Decimal(1), s.pathway, areas()[s.area].muscles)
    ]
    # The next session treats the area again: one injection in each of its muscles (a single
    # muscle could miss the muscles an earlier record of another product shares with it).
    plan = builders.plan(
        None,
        s.product,
        injections=[builders.injection(m, Side.LEFT, 1) for m in sorted(areas()[s.area].muscles)],
        pathway=s.pathway,
    )

    def blocked(day: date) -> bool:
        found = check(session(plan, history=given_, on=day))
        return any(f.code == "retreatment_too_soon" for f in found)

    assert not blocked(earliest)
    assert blocked(earliest - timedelta(days=1))


def _past(r: AreaTreatment) -> PastTreatment:
    area = areas()[r.area]
    return PastTreatment(r.on, r.product, r.units, area.pathway, area.muscles)


@settings(max_examples=300)
@given(
    st.sampled_from(["botox_cosmetic", "xeomin", "daxxify"]),
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.integers(0, 400),
    st.integers(0, 6),
)
def test_more_personal_history_moves_the_estimate_monotonically_toward_it(
    product: str, on: date, lasted: int, k: int
) -> None:
    """n treatments that each lasted `lasted` days: as n grows, the recommended date moves
    steadily from the prior toward `on + lasted` (or the earliest date, whichever is later)."""
    s = SignedSession(on, Pathway.COSMETIC, product, "glabellar_lines")
    policy = SchedulingPolicy(prior_weight=k)
    gap = lasted + 1
    target = on + timedelta(days=lasted)
    distances = []
    for n in range(7):
        history = [
            AreaTreatment(
                on - timedelta(days=gap * (i + 1)),
                product,
                "glabellar_lines",
                Decimal(20),
                on - timedelta(days=gap * (i + 1)) + timedelta(days=lasted),
            )
            for i in range(n)
        ]
        window = next_visits(s, history, policy).treatment
        distances.append(abs((window.recommended - max(target, window.earliest)).days))
    assert distances == sorted(distances, reverse=True)


@given(
    st.integers(0, 400),
    st.lists(st.integers(0, 400), min_size=1, max_size=8),
    st.integers(0, 6),
)
def test_repeating_the_same_observations_moves_the_exact_estimate_toward_their_mean(
    anchor: int, observed: list[int], k: int
) -> None:
    mean = Fraction(sum(observed), len(observed))
    once = shrunk_duration(anchor, observed, k)
    twice = shrunk_duration(anchor, observed * 2, k)
    assert abs(twice - mean) <= abs(once - mean)
    low, high = sorted((Fraction(anchor), mean))
    assert low <= once <= high
