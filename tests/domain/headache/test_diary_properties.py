"""Properties of the diary calculators, over generated diaries (hypothesis).

- counts never exceed the days recorded, and each recorded day falls in exactly one period;
- dropping diary days never adds headache-free days, and never flips a decided answer: what a
  sparser diary decides (met / not met), the fuller one decides the same way;
- the order the days arrive in changes nothing.

The generator draws the pre- and on-treatment headache shares apart (0 % included, so a
headache-free baseline meets a bad response) and drops chosen days as well as a random share,
so that the edges of the three-valued rules (a single missing day that could decide a rule) are
found in every run. `derandomize=True`: CI runs the same examples each time, never flaky; the
counter-example of issue 10 (finding 1) is kept as an explicit `@example`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bonta.domain.headache.days import MEDICATION_CLASSES, DiaryDay, MedicationClass
from bonta.domain.headache.ichd import chronic_migraine, medication_overuse
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import Verdict, nice_continuation, nice_initiation
from bonta.domain.headache.periods import Diary, diary_from, periods
from bonta.domain.headache.summary import summarize, summary_as_dict

START = date(2024, 9, 2)
SPAN = 420  # days: a baseline, four earlier periods and a few cycles
FEW_CLASSES = (MedicationClass.TRIPTAN, MedicationClass.SIMPLE_ANALGESIC, MedicationClass.GEPANT)


def random_day(rng: random.Random, on: date, headache_share: float) -> DiaryDay:
    headache = rng.random() < headache_share

    def flag() -> bool:
        return headache and rng.random() < 0.5

    return DiaryDay(
        on=on,
        headache=headache,
        hours=Decimal(rng.randint(0, 24)) if headache else Decimal(0),
        intensity=rng.randint(0, 3) if headache else 0,
        unilateral=flag(),
        pulsating=flag(),
        worse_with_activity=flag(),
        nausea=flag(),
        photophobia=flag(),
        phonophobia=flag(),
        aura=rng.random() < 0.1,
        believed_migraine=flag(),
        relieved_by_triptan_or_ergot=flag(),
        acute_medication=frozenset(c for c in FEW_CLASSES if rng.random() < 0.3),
    )


Case = tuple[list[DiaryDay], list[date], date]


SHARES = [0.0, 0.02, 0.1, 0.4, 0.6, 0.8, 0.95]


@st.composite
def diaries(draw: st.DrawFn) -> Case:
    """A diary over SPAN days drawn from a few parameters (hypothesis explores those)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    before_share = draw(st.sampled_from(SHARES))  # headache share before the first injection
    after_share = draw(st.sampled_from(SHARES))  # and once treated: better, worse or the same
    # Mostly recorded, with gaps: a realistic diary, so rules get decided often enough.
    recorded_share = draw(st.sampled_from([1.0, 1.0, 0.97, 0.9, 0.6]))
    first = START + timedelta(days=draw(st.integers(100, 200)))
    days = [
        random_day(rng, on, after_share if on >= first else before_share)
        for on in (START + timedelta(days=i) for i in range(SPAN))
        if rng.random() < recorded_share
    ]
    gaps = draw(st.lists(st.integers(70, 100), max_size=3))
    injections = [first]
    for gap in gaps:
        injections.append(injections[-1] + timedelta(days=gap))
    as_of = START + timedelta(days=SPAN - 1)
    return days, [d for d in injections if d <= as_of], as_of


# Which days a sparser diary loses: a random share of them (seeded) and a few chosen ones, each
# given as an offset from the first injection (-28 … -1 is the baseline), so one missing day at
# an edge is tried often.
Drop = tuple[int, float, list[int]]
drops = st.tuples(
    st.integers(0, 2**32),
    st.sampled_from([0.0, 0.02, 0.1, 0.5]),
    st.lists(st.integers(-28, 200), max_size=3),
)


def drop_days(case: Case, drop: Drop) -> list[DiaryDay]:
    days, injections, _ = case
    seed, share, offsets = drop
    rng = random.Random(seed)
    chosen = {injections[0] + timedelta(days=n) for n in offsets} if injections else set()
    return [d for d in days if d.on not in chosen and rng.random() >= share]


def regression_case() -> Case:
    """Issue 10, finding 1: a headache-free baseline, 20 headache days per 28 once treated."""
    first = START + timedelta(days=140)
    days = [
        DiaryDay(on=on, headache=on >= first and (on - first).days % 28 < 20, hours=Decimal(0))
        for on in (START + timedelta(days=i) for i in range(SPAN))
    ]
    injections = [first, first + timedelta(days=84), first + timedelta(days=168)]
    return days, injections, START + timedelta(days=SPAN - 1)


def snapshot(days: list[DiaryDay], injections: list[date], as_of: date) -> Diary:
    return diary_from(days, injections, as_of)


# The two monotonicity properties hunt edges (one missing day deciding a rule): 300 examples.
# The others are plain invariants: 100 suffice. Same examples every run (derandomize).
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True)
INVARIANT = settings(max_examples=100, deadline=None, derandomize=True)


@given(diaries())
@INVARIANT
def test_counts_never_exceed_the_days_recorded(case: Case) -> None:
    diary = snapshot(*case)
    listed = periods(diary)
    for p in listed:
        c = p.counts
        assert 0 <= c.days_recorded <= c.days_in_window == 28
        assert c.headache_days_4h <= c.headache_days <= c.days_recorded
        assert c.migraine_days <= c.headache_days
        assert c.acute_medication_days <= c.days_recorded
        for cls in MEDICATION_CLASSES:
            assert c.acute_medication_days_by_class[cls] <= c.acute_medication_days
    assert sum(p.counts.days_recorded for p in listed) == len(case[0])


def decided(diary: Diary) -> dict[str, Judgement]:
    overuse = medication_overuse(diary)
    continuation = nice_continuation(diary)
    found = {
        "chronic_migraine": chronic_migraine(diary).judgement,
        "nice_chronic_migraine": nice_initiation(diary, 3, True).chronic_migraine,
        "inadequate_response": continuation.inadequate_response,
        "episodic": continuation.episodic,
        "criterion_a": overuse.headache_days_criterion_a,
    }
    for c in overuse.classes:
        if c.judgement is not None:
            found[c.name] = c.judgement
    return found


@given(diaries(), drops)
@example(regression_case(), (0, 0.0, [-28]))  # one baseline day missing of a headache-free 28
@PROPERTY
def test_dropping_days_never_adds_headache_free_days_nor_flips_a_decided_answer(
    case: Case, drop: Drop
) -> None:
    days, injections, as_of = case
    sparser_days = drop_days(case, drop)
    full, sparse = snapshot(days, injections, as_of), snapshot(sparser_days, injections, as_of)

    full_by_start = {p.counts.start: p.counts for p in periods(full)}
    for p in periods(sparse):
        whole = full_by_start.get(p.counts.start)
        if whole is None:
            continue
        sparse_free = p.counts.days_recorded - p.counts.headache_days
        whole_free = whole.days_recorded - whole.headache_days
        assert sparse_free <= whole_free
        assert p.counts.headache_days <= whole.headache_days

    for rule, answer in decided(sparse).items():
        if answer is not Judgement.NOT_EVALUABLE:
            assert decided(full)[rule] is answer, rule


STOPS = {Verdict.STOP_INADEQUATE_RESPONSE, Verdict.STOP_EPISODIC}


@given(diaries(), drops)
@PROPERTY
def test_a_decided_continuation_verdict_holds_for_the_fuller_diary(case: Case, drop: Drop) -> None:
    """Issue 10, finding 2: "continue" and "stop" hold for every completion of missing days."""
    days, injections, as_of = case
    full = nice_continuation(snapshot(days, injections, as_of))
    sparse = nice_continuation(snapshot(drop_days(case, drop), injections, as_of))
    if sparse.verdict is Verdict.CONTINUE:
        assert full.verdict is Verdict.CONTINUE
    if sparse.verdict in STOPS:
        assert full.verdict in STOPS
    if sparse.verdict is not Verdict.CONTINUE:
        assert sparse.inadequate_response is not Judgement.NOT_MET or (
            sparse.episodic is not Judgement.NOT_MET
        )


@given(diaries(), st.integers(0, 2**32))
@INVARIANT
def test_the_order_of_the_days_changes_nothing(case: Case, seed: int) -> None:
    days, injections, as_of = case
    shuffled = list(days)
    random.Random(seed).shuffle(shuffled)
    reversed_injections = list(reversed(injections))
    expected = summary_as_dict(summarize(days, injections, as_of, 3, True))
    assert summary_as_dict(summarize(shuffled, reversed_injections, as_of, 3, True)) == expected
