"""Safety engine v2: two kinds of block, and which override each one needs."""

from __future__ import annotations

from datetime import date

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.overrides import REASONS, OverrideRequest, override_need, validate_overrides
from bonta.domain.pathways import BlockKind, OverrideNeed
from bonta.domain.safety import Finding, check

from .builders import days_before, past, patient, plan, preempt_plan, session, vial

# 85 days: past BOTOX's 12 weeks, inside the 3-month cumulative window
CUMULATIVE = session(preempt_plan(), history=[past(days_before(85), "botox", 250)])
RETREATMENT = session(history=[past(days_before(30), "botox_cosmetic", 20)])
EXPIRED = session(plan(vials={"vial": vial("botox_cosmetic", expiry=days_before(1))}))


def findings(snapshot: object) -> list[Finding]:
    return check(snapshot)  # type: ignore[arg-type]


def request(finding: str, reason: str = "documented_clinical_need", **kw: str) -> OverrideRequest:
    return OverrideRequest(finding, reason, kw.pop("signer", "dr-a"), **kw)  # type: ignore[arg-type]


def test_the_override_reasons_are_a_short_fixed_list() -> None:
    assert list(REASONS) == [
        "documented_clinical_need",
        "prior_record_incorrect",
        "current_label_differs",
    ]


def test_cumulative_dose_passes_with_a_reason_and_a_second_clinicians_countersignature() -> None:
    found = findings(CUMULATIVE)
    assert override_need("cumulative_dose_exceeded") is OverrideNeed.REASON_AND_COUNTERSIGNATURE
    ok = request("cumulative_dose_exceeded", countersigner="dr-b")
    assert validate_overrides(found, [ok]) == []


def test_cumulative_dose_without_a_countersignature_names_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(CUMULATIVE), [request("cumulative_dose_exceeded")])
    assert raised.value.field == "overrides[0].countersigner"


def test_the_countersigner_must_not_be_the_signer() -> None:
    same = request("cumulative_dose_exceeded", signer="dr-a", countersigner=" dr-a ")
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(CUMULATIVE), [same])
    assert raised.value.field == "overrides[0].countersigner"
    assert "second clinician" in raised.value.reason


def test_retreatment_needs_only_a_coded_reason() -> None:
    found = findings(RETREATMENT)
    assert [f.kind for f in found] == [BlockKind.CLINICAL_BLOCK]
    assert (
        validate_overrides(found, [request("retreatment_too_soon", "prior_record_incorrect")]) == []
    )


def test_an_unknown_reason_code_names_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(RETREATMENT), [request("retreatment_too_soon", "because")])
    assert raised.value.field == "overrides[0].reason"
    assert "documented_clinical_need" in raised.value.reason


def test_a_reason_that_does_not_apply_is_refused() -> None:
    minor = session(patient_=patient(birth_date=date(2010, 1, 1)))
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(minor), [request("not_adult", "prior_record_incorrect")])
    assert raised.value.field == "overrides[0].reason"
    assert validate_overrides(findings(minor), [request("not_adult")]) == []


def test_a_hard_stop_takes_no_override() -> None:
    found = findings(EXPIRED)
    assert [(f.code, f.kind) for f in found] == [("vial_expired", BlockKind.HARD_STOP)]
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(found, [request("vial_expired")])
    assert raised.value.field == "overrides[0].finding"
    assert "hard stop" in raised.value.reason


def test_without_overrides_every_block_remains_hard_stops_included() -> None:
    both = session(
        plan(vials={"vial": vial("botox_cosmetic", expiry=days_before(1))}),
        history=[past(days_before(30), "botox_cosmetic", 20)],
    )
    found = findings(both)
    remaining = validate_overrides(found, [request("retreatment_too_soon")])
    assert [f.code for f in remaining] == ["vial_expired"]


@pytest.mark.parametrize(
    ("finding", "snapshot", "says"),
    [
        ("no_such_code", RETREATMENT, "unknown finding code"),
        ("dose_above_label", RETREATMENT, "not a block"),
        ("cumulative_dose_exceeded", RETREATMENT, "not raised by this check"),
    ],
)
def test_overrides_of_what_is_not_a_raised_block_are_refused(
    finding: str, snapshot: object, says: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(snapshot), [request(finding, countersigner="dr-b")])
    assert raised.value.field == "overrides[0].finding"
    assert says in raised.value.reason


def test_a_finding_overridden_twice_and_a_missing_signer_are_refused() -> None:
    twice = [request("retreatment_too_soon"), request("retreatment_too_soon")]
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(RETREATMENT), twice)
    assert raised.value.field == "overrides[1].finding"
    with pytest.raises(InvalidInput) as raised:
        validate_overrides(findings(RETREATMENT), [request("retreatment_too_soon", signer=" ")])
    assert raised.value.field == "overrides[0].signer"
