"""Properties of `check` over generated histories: pure, order-free, monotone in dose."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bonta.domain.anatomy import muscles
from bonta.domain.pathways import Pathway, Severity
from bonta.domain.plan import PastTreatment, Plan, Snapshot
from bonta.domain.safety import check

from .builders import (
    ALL_PRODUCTS,
    SESSION_DAY,
    codes,
    patient,
    plan,
    preempt_plan,
    session,
    single_site_plan,
)

PLANS: list[Plan] = [
    preempt_plan(),
    plan("glabellar_lines", "botox_cosmetic"),
    plan("glabellar_lines", "xeomin"),
    plan("glabellar_lines", "dysport"),
    plan("lateral_canthal_lines"),
    plan("forehead_and_glabellar_lines"),
    single_site_plan("botox_cosmetic", "frontalis", 30),
]

past_treatments = st.builds(
    PastTreatment,
    # a few fixed offsets make same-day records (ties) common
    on=(st.integers(-400, 200) | st.sampled_from([-60, -20, 0, 30])).map(
        lambda d: SESSION_DAY + timedelta(days=d)
    ),
    product=st.sampled_from(ALL_PRODUCTS),
    units=st.integers(0, 800).map(lambda half: Decimal(half) / 2),
    pathway=st.sampled_from(list(Pathway)),
    muscles=st.none() | st.frozensets(st.sampled_from(sorted(muscles())), min_size=1),
    source=st.sampled_from(["local", "external"]),
)
histories = st.lists(past_treatments, max_size=12)
snapshots = st.builds(
    lambda p, h, born: Snapshot(patient(birth_date=born), tuple(h), p, SESSION_DAY),
    st.sampled_from(PLANS),
    histories,
    st.dates(date(1930, 1, 1), date(2015, 1, 1)),
)


@given(snapshots)
def test_check_is_deterministic(snapshot: Snapshot) -> None:
    assert check(snapshot) == check(snapshot)


@settings(max_examples=300)
@given(snapshots, st.randoms(use_true_random=False))
def test_check_does_not_depend_on_the_order_of_history(snapshot: Snapshot, rnd: object) -> None:
    shuffled = list(snapshot.history)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    reordered = Snapshot(snapshot.patient, tuple(shuffled), snapshot.plan, snapshot.on)
    assert check(reordered) == check(snapshot)


@settings(max_examples=300)
@given(snapshots, histories)
def test_adding_history_never_removes_a_cumulative_dose_finding(
    snapshot: Snapshot, more: list[PastTreatment]
) -> None:
    bigger = Snapshot(snapshot.patient, (*snapshot.history, *more), snapshot.plan, snapshot.on)
    if "cumulative_dose_exceeded" in codes(snapshot):
        assert "cumulative_dose_exceeded" in codes(bigger)


@given(snapshots)
def test_findings_come_blocks_first_then_warnings_then_information(snapshot: Snapshot) -> None:
    order = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}
    ranks = [order[f.severity] for f in check(snapshot)]
    assert ranks == sorted(ranks)


def test_a_session_with_every_severity_lists_the_block_first() -> None:
    snapshot = session(
        plan("glabellar_lines", "dysport"),  # info: no verified interval (only [W], §11.3)
        patient_=patient(
            birth_date=date(2010, 1, 1),  # block
            medications=frozenset({"muscle_relaxant"}),  # warn
        ),
    )
    assert [(f.code, f.severity) for f in check(snapshot)] == [
        ("not_adult", Severity.BLOCK),
        ("drug_interaction", Severity.WARN),
        ("retreatment_interval_unknown", Severity.INFO),
        ("reconstitution_window_unknown", Severity.INFO),
    ]


def test_every_finding_carries_a_source_and_a_message() -> None:
    snapshot = session(
        single_site_plan("botox_cosmetic", "frontalis", 30),
        patient_=patient(
            birth_date=date(2010, 1, 1),
            pregnant=True,
            conditions=frozenset({"als", "cardiovascular_disease", "swallowing_disorder"}),
            medications=frozenset({"anticholinergic"}),
            allergies=frozenset({"botulinum_toxin"}),
            infection_sites=frozenset({"frontalis"}),
        ),
    )
    found = check(snapshot)
    assert len(found) >= 9
    for f in found:
        assert f.message.strip()
        assert f.source.strip()
        assert f.as_dict() == {
            "code": f.code,
            "severity": f.severity.value,
            "kind": None if f.kind is None else f.kind.value,
            "override": None if f.override is None else f.override.value,
            "message": f.message,
            "source": f.source,
        }
        assert (f.kind is None) == (f.severity is not Severity.BLOCK)
