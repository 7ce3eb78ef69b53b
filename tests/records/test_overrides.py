"""Sign-off under the domain's override rules: hard stops never pass, clinical blocks need a
coded reason and a note, `cumulative_dose_exceeded` a second clinician's own countersignature.

Every refusal names its field and writes nothing: no override, no administration, no status
change, no audit event, no countersignature request.
"""

from __future__ import annotations

from datetime import date

import pytest

from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.records.errors import Conflict, NotAllowed, SignRefused
from bonta.records.models import (
    LEGACY_REASON,
    Administration,
    CountersignatureRequest,
    Encounter,
    FindingOverride,
)
from bonta.records.services import OverrideInput

from .clinic import codes, glabellar_session, injections, make_vial, preempt_session

pytestmark = pytest.mark.django_db

TOO_SOON = OverrideInput("retreatment_too_soon", "documented_clinical_need", "Touch-up agreed")
CUMULATIVE = OverrideInput("cumulative_dose_exceeded", "prior_record_incorrect", "Not given")


def second_glabellar_same_day(alice, dr_grey) -> Encounter:
    """A glabellar session signed, then another the same day: retreatment_too_soon only."""
    services.sign_encounter(
        glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G1")), dr_grey
    )
    return glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G2"))


def above_the_cumulative_limit(alice, dr_grey) -> Encounter:
    """155 U PREEMPT signed + 230 U elsewhere + 20 U planned = 405 U > 400 U in 3 months."""
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    services.sign_encounter(preempt_session(alice, dr_grey, vial), dr_grey)
    services.record_external_administration(
        alice, by=dr_grey, on=date(2025, 2, 20), product="botox_cosmetic", units="230",
        pathway_code="cosmetic", source_system="Elsewhere Clinic",
    )  # fmt: skip
    other = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B2")
    return services.open_encounter(
        alice, by=dr_grey, pathway="chronic_migraine", product="botox", at=vial.reconstituted_at,
        injections=injections(("masseter", "left", "20")), vial=other.pk,
    )  # fmt: skip


def nothing_written(encounter: Encounter, events_before: int) -> None:
    encounter.refresh_from_db()
    assert encounter.status == "draft"
    assert not Administration.objects.filter(encounter=encounter).exists()
    assert not FindingOverride.objects.filter(encounter=encounter).exists()
    assert not CountersignatureRequest.objects.filter(encounter=encounter).exists()
    assert AuditEvent.objects.count() == events_before


# ---- clinical blocks: a coded reason and a note --------------------------------------------


def test_a_clinical_block_signs_with_a_coded_reason_and_a_note_and_both_are_kept(alice, dr_grey):
    encounter = second_glabellar_same_day(alice, dr_grey)
    assert codes(services.check_plan(encounter, by=dr_grey)) == {"retreatment_too_soon"}
    services.sign_encounter(encounter, dr_grey, [TOO_SOON])
    override = FindingOverride.objects.get(encounter=encounter)
    assert (override.code, override.reason_code, override.reason) == (
        "retreatment_too_soon", "documented_clinical_need", "Touch-up agreed",
    )  # fmt: skip
    assert (override.clinician, override.countersigner) == (dr_grey, None)
    assert override.at == Encounter.objects.get(pk=encounter.pk).signed_at
    audited = AuditEvent.objects.get(action="finding.override", object_id=str(override.pk))
    assert audited.detail["reason_code"] == "documented_clinical_need"
    assert "Touch-up" not in str(audited.detail)  # the note is patient data: not logged


def test_a_clinical_block_without_an_override_is_refused_naming_it(alice, dr_grey):
    encounter = second_glabellar_same_day(alice, dr_grey)
    events = AuditEvent.objects.count()
    with pytest.raises(SignRefused, match="coded reason") as refused:
        services.sign_encounter(encounter, dr_grey)
    assert codes(refused.value.findings) == {"retreatment_too_soon"}
    nothing_written(encounter, events)


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        (OverrideInput("retreatment_too_soon", "", "why"), "overrides[0].reason", "coded reason"),
        (OverrideInput("retreatment_too_soon", "because", "why"), "overrides[0].reason", "unknown"),
        (OverrideInput("retreatment_too_soon", "documented_clinical_need", ""), "overrides[0].note",
         "in words"),
        (OverrideInput("retreatment_too_soon", "documented_clinical_need", "   "),
         "overrides[0].note", "in words"),
        (OverrideInput("retreatment_too_soon", "documented_clinical_need", "x" * 2001),
         "overrides[0].note", "2000"),
        (OverrideInput("", "documented_clinical_need", "why"), "overrides[0].finding", "required"),
        (OverrideInput("feeling_lucky", "documented_clinical_need", "why"), "overrides[0].finding",
         "unknown"),
        (OverrideInput("dose_above_label", "documented_clinical_need", "why"),
         "overrides[0].finding", "not a block"),
        (OverrideInput("not_adult", "documented_clinical_need", "why"), "overrides[0].finding",
         "not raised"),
    ],
)  # fmt: skip
def test_a_bad_override_is_refused_by_field_and_nothing_is_written(
    alice, dr_grey, given, field, words
):
    encounter = second_glabellar_same_day(alice, dr_grey)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.sign_encounter(encounter, dr_grey, [given])
    assert refused.value.field == field
    assert words in refused.value.reason
    nothing_written(encounter, events)


def test_a_reason_that_does_not_apply_to_the_block_is_refused(alice, dr_grey):
    # prior_record_incorrect is for blocks that count earlier records, not for age.
    encounter = glabellar_session(
        services.create_patient(
            by=dr_grey, record_number="T-1", given_name="Teo", family_name="Young",
            birth_date=date(2010, 1, 1),
        ),
        dr_grey,
        make_vial(dr_grey),
    )  # fmt: skip
    from .clinic import give_consents

    give_consents(encounter.patient, dr_grey)
    assert "not_adult" in codes(services.check_plan(encounter, by=dr_grey))
    with pytest.raises(InvalidInput, match="does not apply") as refused:
        services.sign_encounter(
            encounter, dr_grey, [OverrideInput("not_adult", "prior_record_incorrect", "x")]
        )
    assert refused.value.field == "overrides[0].reason"


def test_the_same_block_overridden_twice_is_refused(alice, dr_grey):
    encounter = second_glabellar_same_day(alice, dr_grey)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="twice") as refused:
        services.sign_encounter(encounter, dr_grey, [TOO_SOON, TOO_SOON])
    assert refused.value.field == "overrides[1].finding"
    nothing_written(encounter, events)


# ---- hard stops: never -------------------------------------------------------------------


def test_a_second_preempt_session_the_same_day_cannot_be_signed_past_the_vial(alice, dr_grey):
    """The review's case: 2 × 155 U from one 200 U vial. The clinical block may be overridden,
    the overdrawn vial never: sign-off is refused and names the hard stop."""
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    services.sign_encounter(preempt_session(alice, dr_grey, vial), dr_grey)
    encounter = preempt_session(alice, dr_grey, vial)
    events = AuditEvent.objects.count()
    with pytest.raises(SignRefused, match="fix the record or change the plan") as refused:
        services.sign_encounter(encounter, dr_grey, [TOO_SOON])
    assert codes(refused.value.findings) == {"vial_overdrawn"}
    nothing_written(encounter, events)
    with pytest.raises(InvalidInput, match="hard stop") as refused_override:
        services.sign_encounter(
            encounter,
            dr_grey,
            [TOO_SOON, OverrideInput("vial_overdrawn", "documented_clinical_need", "x")],
        )
    assert refused_override.value.field == "overrides[1].finding"
    nothing_written(encounter, events)


def test_a_hard_stop_cannot_be_put_into_a_countersignature_request(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey, expiry=date(2024, 1, 1)))
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="hard stop"):
        services.request_countersignature(
            encounter,
            by=dr_grey,
            overrides=[OverrideInput("vial_expired", "documented_clinical_need", "x")],
        )
    nothing_written(encounter, events)


# ---- the countersignature: the second clinician's own act --------------------------------


def test_the_cumulative_limit_cannot_be_signed_alone_and_the_error_says_how(alice, dr_grey):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="countersignature") as refused:
        services.sign_encounter(encounter, dr_grey, [CUMULATIVE])
    assert refused.value.field == "overrides[0].countersigner"
    assert "signed in as themselves" in refused.value.reason
    nothing_written(encounter, events)


def test_a_second_clinician_countersigns_and_the_encounter_is_signed(alice, dr_grey, dr_okafor):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    pending = services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    assert pending.requested_by == dr_grey
    encounter.refresh_from_db()
    assert encounter.status == "draft"  # nothing is signed until the second clinician acts
    assert not Administration.objects.filter(encounter=encounter).exists()
    signed = services.countersign_encounter(encounter, by=dr_okafor)
    assert signed.status == "signed"
    assert signed.signed_by == dr_grey
    override = FindingOverride.objects.get(encounter=encounter)
    assert (override.code, override.reason_code, override.reason) == (
        "cumulative_dose_exceeded", "prior_record_incorrect", "Not given",
    )  # fmt: skip
    assert (override.clinician, override.countersigner) == (dr_grey, dr_okafor)
    assert Administration.objects.filter(encounter=encounter).count() == 1
    assert not CountersignatureRequest.objects.exists()
    sign = AuditEvent.objects.get(action="encounter.sign", object_id=str(encounter.pk))
    assert sign.actor_id == dr_okafor.pk
    assert sign.detail["countersigner_id"] == str(dr_okafor.pk)
    assert sign.detail["signer_id"] == str(dr_grey.pk)
    assert AuditEvent.objects.filter(action="encounter.countersignature_request").count() == 1


def test_the_requesting_clinician_cannot_countersign_their_own_request(alice, dr_grey):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.countersign_encounter(encounter, by=dr_grey)
    assert refused.value.field == "countersigner"
    assert "second clinician" in refused.value.reason
    encounter.refresh_from_db()
    assert encounter.status == "draft"
    assert not FindingOverride.objects.filter(encounter=encounter).exists()
    assert CountersignatureRequest.objects.filter(encounter=encounter).exists()  # still waiting
    assert AuditEvent.objects.count() == events


def test_a_nurse_cannot_countersign(alice, dr_grey, nurse_noor):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    with pytest.raises(NotAllowed):
        services.countersign_encounter(encounter, by=nurse_noor)
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"


def test_nothing_to_countersign_is_a_conflict(alice, dr_grey, dr_okafor):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    with pytest.raises(Conflict, match="No countersignature is pending"):
        services.countersign_encounter(encounter, by=dr_okafor)


def test_a_request_needs_an_override_that_needs_a_countersignature(alice, dr_grey):
    encounter = second_glabellar_same_day(alice, dr_grey)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="sign off instead") as refused:
        services.request_countersignature(encounter, by=dr_grey, overrides=[TOO_SOON])
    assert refused.value.field == "overrides"
    nothing_written(encounter, events)


def test_a_request_must_override_every_block(alice, dr_grey):
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    services.sign_encounter(preempt_session(alice, dr_grey, vial), dr_grey)
    services.record_external_administration(
        alice, by=dr_grey, on=date(2025, 2, 20), product="botox_cosmetic", units="230",
        pathway_code="cosmetic", source_system="Elsewhere Clinic",
    )  # fmt: skip
    other = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B2")
    encounter = preempt_session(alice, dr_grey, other)
    assert codes(services.check_plan(encounter, by=dr_grey)) == {
        "cumulative_dose_exceeded",
        "retreatment_too_soon",
    }
    events = AuditEvent.objects.count()
    with pytest.raises(SignRefused) as refused:
        services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    assert codes(refused.value.findings) == {"retreatment_too_soon"}
    nothing_written(encounter, events)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE, TOO_SOON])
    assert CountersignatureRequest.objects.filter(encounter=encounter).exists()


def test_a_change_to_the_plan_withdraws_the_request(alice, dr_grey, dr_okafor):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    vial_id = encounter.plan.first().vial_id
    services.plan_treatment(
        encounter, by=dr_grey, injections=injections(("masseter", "left", "30")), vial=vial_id
    )
    assert not CountersignatureRequest.objects.exists()
    assert AuditEvent.objects.filter(
        action="encounter.countersignature_withdraw", detail__status="withdrawn_plan_changed"
    ).exists()
    with pytest.raises(Conflict):
        services.countersign_encounter(encounter, by=dr_okafor)
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"


def test_the_requester_may_withdraw_and_then_nothing_can_be_countersigned(
    alice, dr_grey, dr_okafor
):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    services.withdraw_countersignature_request(encounter, by=dr_grey)
    assert not CountersignatureRequest.objects.exists()
    with pytest.raises(Conflict):
        services.countersign_encounter(encounter, by=dr_okafor)


def test_a_requester_who_can_no_longer_sign_leaves_nothing_to_countersign(
    alice, dr_grey, dr_okafor
):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    dr_grey.is_active = False
    dr_grey.save()
    with pytest.raises(Conflict, match="can no longer sign"):
        services.countersign_encounter(encounter, by=dr_okafor)
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"


def test_a_countersignature_re_checks_and_refuses_a_block_that_appeared_since(
    alice, dr_grey, dr_okafor
):
    encounter = above_the_cumulative_limit(alice, dr_grey)
    services.request_countersignature(encounter, by=dr_grey, overrides=[CUMULATIVE])
    vial = encounter.plan.first().vial
    services.discard_from_vial(vial, by=dr_grey, units="195", reason="Dropped")
    with pytest.raises(SignRefused) as refused:
        services.countersign_encounter(encounter, by=dr_okafor)
    assert codes(refused.value.findings) == {"vial_overdrawn"}
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"
    assert not FindingOverride.objects.filter(encounter=encounter).exists()


# ---- stored rows -------------------------------------------------------------------------


def test_an_override_from_before_coded_reasons_reads_as_legacy(alice, dr_grey):
    encounter = second_glabellar_same_day(alice, dr_grey)
    old = FindingOverride(encounter=encounter, code="retreatment_too_soon", reason="Old text",
                          clinician=dr_grey, at=encounter.at)  # fmt: skip
    assert old.reason_code is None
    assert old.reason_code_shown == LEGACY_REASON == "legacy_free_text"
