"""The chart's ledger dates agree with the safety engine (pure, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment, PatientState, Plan, Snapshot
from bonta.domain.products import get_product
from bonta.domain.protocols import expand, get_protocol
from bonta.domain.safety import check
from bonta.web.ledger import dose_ledger, reconstitution_deadline

PREEMPT_MUSCLES = frozenset(
    {
        "frontalis",
        "corrugator",
        "procerus",
        "occipitalis",
        "temporalis",
        "trapezius",
        "cervical_paraspinal",
    }
)


def glabellar_on(day: date, history: tuple[PastTreatment, ...]) -> set[str]:
    plan = Plan(
        at=datetime.combine(day, time(10), tzinfo=UTC),
        pathway=Pathway.COSMETIC,
        product="botox_cosmetic",
        injections=expand(get_protocol("glabellar_lines"), "botox_cosmetic", vial="v"),
        vials={},
    )
    snapshot = Snapshot(PatientState(birth_date=date(1980, 1, 1)), history, plan, day)
    from bonta.domain import safety

    found = [
        f
        for rule in (safety.retreatment_too_soon,)
        for f in rule(snapshot, get_product("botox_cosmetic"))
    ]
    return {f.code for f in found}


@pytest.mark.parametrize("cosmetic_before", [False, True])
def test_the_next_glabellar_date_is_the_first_day_the_engine_allows(cosmetic_before) -> None:
    history = [
        PastTreatment(
            date(2025, 1, 10), "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE, PREEMPT_MUSCLES
        )
    ]
    if cosmetic_before:
        history.append(
            PastTreatment(
                date(2024, 12, 1),
                "botox_cosmetic",
                Decimal(20),
                Pathway.COSMETIC,
                frozenset({"corrugator", "procerus"}),
            )
        )
    ledger = dose_ledger(tuple(history), date(2025, 2, 21))
    lines = {a.area: a for s in ledger for a in s.areas}
    if not cosmetic_before:
        assert "glabellar_lines" not in lines
        return
    allowed = lines["glabellar_lines"].next_allowed
    assert allowed == date(2025, 4, 10)  # 90 days after the PREEMPT session, not the cosmetic one
    assert glabellar_on(allowed - timedelta(days=1), tuple(history)) == {"retreatment_too_soon"}
    assert glabellar_on(allowed, tuple(history)) == set()


def test_the_cumulative_window_is_half_open_like_the_engines() -> None:
    history = (
        PastTreatment(date(2024, 11, 21), "botox", Decimal(155), Pathway.CHRONIC_MIGRAINE),
        PastTreatment(date(2024, 11, 22), "botox_cosmetic", Decimal(20), Pathway.COSMETIC),
        PastTreatment(date(2025, 1, 5), "dysport", Decimal(50), Pathway.COSMETIC),
    )
    ledger = {s.unit_system: s for s in dose_ledger(history, date(2025, 2, 21))}
    ona = ledger["onabotulinumtoxinA"].cumulative
    assert (ona.units, ona.limit_units, ona.start) == (
        Decimal(20),
        Decimal(400),
        date(2024, 11, 21),
    )
    assert ledger["abobotulinumtoxinA"].cumulative is None  # no limit in the reference


def test_the_reconstitution_deadline_is_the_label_window() -> None:
    at = datetime(2025, 3, 3, 9, tzinfo=UTC)
    assert reconstitution_deadline(get_product("botox"), at) == at + timedelta(hours=24)
    assert reconstitution_deadline(get_product("dysport"), at) is None


def test_unused_check_import_is_the_engine() -> None:
    assert callable(check)


def test_the_ledger_applies_the_cross_brand_interval_and_names_both_products() -> None:
    """Dysport 30 days after BOTOX Cosmetic in the glabella (issue 10): Dysport has no verified
    interval, but BOTOX Cosmetic's 90 days after 2026-01-01 still bind, as in the engine."""
    glabella = frozenset({"corrugator", "procerus"})
    history = (
        PastTreatment(date(2026, 1, 1), "botox_cosmetic", Decimal(20), Pathway.COSMETIC, glabella),
        PastTreatment(date(2026, 1, 31), "dysport", Decimal(50), Pathway.COSMETIC, glabella),
    )
    ledger = dose_ledger(history, date(2026, 2, 15))
    (line,) = [a for s in ledger if s.unit_system == "abobotulinumtoxinA" for a in s.areas]
    assert line.product.code == "dysport"
    assert line.next_allowed == date(2026, 4, 1)
    assert line.latest_overlap == history[0]
    assert "BOTOX Cosmetic" in line.explanation
    assert "Dysport" in line.explanation
