"""Open, plan, check, sign, amend: the encounter services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.records.errors import Conflict, NotAllowed, SignedEncounterImmutable, SignRefused
from bonta.records.models import Administration, Encounter, FindingOverride, PlannedInjection

from .clinic import (
    codes,
    glabellar_session,
    injections,
    make_patient,
    make_vial,
    preempt_session,
)

pytestmark = pytest.mark.django_db


def test_a_protocol_expands_into_planned_points_from_the_chosen_vial(alice, dr_grey):
    vial = make_vial(dr_grey)
    encounter = glabellar_session(alice, dr_grey, vial)
    plan = list(encounter.plan.all())
    assert [(p.muscle, p.side, p.units) for p in plan] == [
        ("corrugator", "right", Decimal("4.00")),
        ("corrugator", "right", Decimal("4.00")),
        ("corrugator", "left", Decimal("4.00")),
        ("corrugator", "left", Decimal("4.00")),
        ("procerus", "midline", Decimal("4.00")),
    ]
    assert {p.vial_id for p in plan} == {vial.pk}
    assert encounter.protocol == "glabellar_lines"
    assert encounter.course.pathway == "cosmetic"


def test_a_clean_glabellar_plan_checks_without_findings(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    assert services.check_plan(encounter, by=dr_grey) == []


def test_a_product_for_the_other_pathway_is_reported_by_the_check_not_refused(alice, dr_grey):
    vial = make_vial(dr_grey)
    encounter = services.open_encounter(
        alice,
        by=dr_grey,
        pathway="chronic_migraine",
        product="botox_cosmetic",
        at=glabellar_session(alice, dr_grey, vial).at,
        injections=injections(("temporalis", "left", "5")),
        vial=vial.pk,
    )
    assert "product_not_for_pathway" in codes(services.check_plan(encounter, by=dr_grey))


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (("eyebrow", "left", "4"), "injections[0].muscle"),
        (("procerus", "left", "4"), "injections[0].side"),
        (("procerus", "sideways", "4"), "injections[0].side"),
        (("procerus", "midline", "0"), "injections[0].units"),
        (("procerus", "midline", "-4"), "injections[0].units"),
        (("procerus", "midline", "four"), "injections[0].units"),
        (("procerus", "midline", "4.005"), "injections[0].units"),
    ],
)
def test_a_bad_injection_is_refused_by_field_and_the_old_plan_stays(alice, dr_grey, given, field):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    before = list(encounter.plan.values_list("muscle", "side", "units"))
    with pytest.raises(InvalidInput) as refused:
        services.plan_treatment(
            encounter, by=dr_grey, injections=injections(given), vial=encounter.plan.first().vial_id
        )
    assert refused.value.field == field
    assert list(encounter.plan.values_list("muscle", "side", "units")) == before


def test_an_unknown_protocol_or_product_is_refused_and_nothing_is_written(alice, dr_grey):
    vial = make_vial(dr_grey)
    with pytest.raises(InvalidInput) as refused:
        services.open_encounter(
            alice, by=dr_grey, pathway="cosmetic", product="botox_cosmetic",
            at=glabellar_session(alice, dr_grey, vial).at, protocol="frown_magic", vial=vial.pk,
        )  # fmt: skip
    assert refused.value.field == "protocol"
    with pytest.raises(InvalidInput) as refused:
        services.open_encounter(
            alice, by=dr_grey, pathway="cosmetic", product="snake_oil", at=vial.reconstituted_at
        )
    assert refused.value.field == "product"
    assert Encounter.objects.count() == 1


def test_a_naive_session_time_is_refused(alice, dr_grey):
    with pytest.raises(InvalidInput) as refused:
        services.open_encounter(
            alice, by=dr_grey, pathway="cosmetic", product="botox_cosmetic",
            at=make_vial(dr_grey).reconstituted_at.replace(tzinfo=None),
        )  # fmt: skip
    assert refused.value.field == "at"


def test_reception_cannot_open_an_encounter(alice, rita_reception, dr_grey):
    with pytest.raises(NotAllowed):
        glabellar_session(alice, rita_reception, make_vial(dr_grey))
    assert Encounter.objects.count() == 0


def test_signing_writes_administrations_with_volume_and_lot_and_locks_the_encounter(alice, dr_grey):
    vial = make_vial(dr_grey, lot="C1234", diluent_ml="2.5")  # 100 U in 2.5 mL: 4 U per 0.1 mL
    encounter = glabellar_session(alice, dr_grey, vial)
    signed = services.sign_encounter(encounter, dr_grey)
    assert signed.status == "signed"
    assert signed.signed_by == dr_grey
    given = list(Administration.objects.filter(encounter=encounter))
    assert len(given) == 5
    assert {(a.units, a.volume_ml, a.lot, a.product) for a in given} == {
        (Decimal("4.00"), Decimal("0.100"), "C1234", "botox_cosmetic")
    }
    assert vial.units_drawn() == Decimal(20)


def test_it_refuses_to_sign_over_an_unoverridden_block(alice, dr_grey):
    expired = make_vial(dr_grey, expiry=date(2024, 1, 1))
    encounter = glabellar_session(alice, dr_grey, expired)
    events_before = AuditEvent.objects.count()
    with pytest.raises(SignRefused) as refused:
        services.sign_encounter(encounter, dr_grey)
    assert codes(refused.value.findings) == {"vial_expired"}
    encounter.refresh_from_db()
    assert encounter.status == "draft"
    assert encounter.signed_at is None
    assert not Administration.objects.exists()
    assert not FindingOverride.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_hard_stop_is_never_signed_past_whatever_reason_is_sent(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey, expiry=date(2024, 1, 1)))
    events_before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.sign_encounter(
            encounter,
            dr_grey,
            [services.OverrideInput("vial_expired", "documented_clinical_need", "Extension")],
        )
    assert refused.value.field == "overrides[0].finding"
    assert "hard stop" in refused.value.reason
    encounter.refresh_from_db()
    assert encounter.status == "draft"
    assert not Administration.objects.exists()
    assert not FindingOverride.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_refused_hard_stop_says_fix_the_record_or_the_plan(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey, expiry=date(2024, 1, 1)))
    with pytest.raises(SignRefused, match="fix the record or change the plan"):
        services.sign_encounter(encounter, dr_grey)


def test_an_override_of_an_unknown_code_is_refused(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    with pytest.raises(InvalidInput) as refused:
        services.sign_encounter(
            encounter, dr_grey, [services.OverrideInput("feeling_lucky", "prior_record_incorrect")]
        )
    assert refused.value.field == "overrides[0].finding"
    assert not Administration.objects.exists()


def test_a_nurse_cannot_sign_or_override(alice, nurse_noor, dr_grey):
    encounter = glabellar_session(alice, nurse_noor, make_vial(dr_grey))
    with pytest.raises(NotAllowed):
        services.sign_encounter(
            encounter,
            nurse_noor,
            [services.OverrideInput("retreatment_too_soon", "documented_clinical_need", "x")],
        )
    encounter.refresh_from_db()
    assert encounter.status == "draft"
    assert not Administration.objects.exists()
    assert not FindingOverride.objects.exists()


def test_a_double_submit_signs_once(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.sign_encounter(encounter, dr_grey)
    with pytest.raises(Conflict, match="already signed"):
        services.sign_encounter(encounter, dr_grey)
    assert Administration.objects.count() == 5
    assert AuditEvent.objects.filter(action="encounter.sign").count() == 1


def test_an_empty_plan_cannot_be_signed(alice, dr_grey):
    encounter = services.open_encounter(
        alice, by=dr_grey, pathway="cosmetic", product="botox_cosmetic",
        at=make_vial(dr_grey).reconstituted_at,
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        services.sign_encounter(encounter, dr_grey)


def test_a_signed_encounter_cannot_be_replanned(alice, dr_grey):
    vial = make_vial(dr_grey)
    encounter = glabellar_session(alice, dr_grey, vial)
    services.sign_encounter(encounter, dr_grey)
    with pytest.raises(SignedEncounterImmutable):
        services.plan_treatment(encounter, by=dr_grey, protocol="glabellar_lines", vial=vial.pk)
    assert PlannedInjection.objects.filter(encounter=encounter).count() == 5


def test_a_signed_encounter_refuses_save_and_delete_in_the_model(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.sign_encounter(encounter, dr_grey)
    stale = Encounter.objects.get(pk=encounter.pk)
    stale.product = "dysport"
    with pytest.raises(SignedEncounterImmutable):
        stale.save()
    with pytest.raises(SignedEncounterImmutable):
        stale.delete()
    with pytest.raises(SignedEncounterImmutable):
        encounter.plan.first().delete()
    assert Encounter.objects.get(pk=encounter.pk).product == "botox_cosmetic"


def test_a_stale_draft_copy_cannot_overwrite_a_signed_row(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    stale = Encounter.objects.get(pk=encounter.pk)
    services.sign_encounter(encounter, dr_grey)
    with pytest.raises(SignedEncounterImmutable):
        stale.save()  # still says "draft" in memory
    assert Encounter.objects.get(pk=encounter.pk).status == "signed"


def test_an_addendum_corrects_a_signed_encounter(alice, dr_grey, nurse_noor):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.sign_encounter(encounter, dr_grey)
    addendum = services.amend_encounter(
        encounter, by=nurse_noor, reason="Wrong side noted", text="Procerus, not left corrugator."
    )
    assert addendum.author == nurse_noor
    assert list(encounter.addenda.all()) == [addendum]


def test_a_draft_takes_no_addendum(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    with pytest.raises(Conflict):
        services.amend_encounter(encounter, by=dr_grey, reason="x", text="y")
    assert not encounter.addenda.exists()


def test_the_cumulative_limit_counts_both_pathways_and_blocks_sign_off(alice, dr_grey):
    migraine_vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    services.sign_encounter(preempt_session(alice, dr_grey, migraine_vial), dr_grey)
    second = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B2")
    services.record_external_administration(
        alice, by=dr_grey, on=date(2025, 2, 20), product="botox_cosmetic", units="230",
        pathway_code="cosmetic", source_system="Elsewhere Clinic",
    )  # fmt: skip
    encounter = services.open_encounter(
        alice, by=dr_grey, pathway="chronic_migraine", product="botox",
        at=migraine_vial.reconstituted_at, injections=injections(("masseter", "left", "20")),
        vial=second.pk,
    )  # fmt: skip
    # 155 U here + 230 U elsewhere + 20 U planned = 405 U > 400 U in 3 months (label §1.5)
    findings = services.check_plan(encounter, by=dr_grey)
    assert "cumulative_dose_exceeded" in codes(findings)
    with pytest.raises(SignRefused):
        services.sign_encounter(encounter, dr_grey)
    assert Administration.objects.filter(encounter=encounter).count() == 0


def test_a_second_patient_is_not_affected_by_the_first_patients_history(alice, dr_grey):
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    services.sign_encounter(preempt_session(alice, dr_grey, vial), dr_grey)
    bob = make_patient(dr_grey, "B-002", given_name="Bob", family_name="Baker")
    other = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B2")
    # Bob's only finding is his own: no diary or NICE start criteria recorded (a warning).
    found = services.check_plan(preempt_session(bob, dr_grey, other), by=dr_grey)
    assert codes(found) == {"nice_initiation_not_met"}


def test_a_protocol_of_the_other_pathway_is_refused_and_nothing_is_written(alice, dr_grey):
    vial = make_vial(dr_grey)
    at = glabellar_session(alice, dr_grey, vial).at
    with pytest.raises(InvalidInput) as refused:
        services.open_encounter(
            alice, by=dr_grey, pathway="chronic_migraine", product="botox", at=at,
            protocol="glabellar_lines", vial=vial.pk,
        )  # fmt: skip
    assert refused.value.field == "protocol"
    assert "cosmetic protocol" in refused.value.message
    assert Encounter.objects.count() == 1


def test_a_plan_records_the_template_it_was_started_from_without_expanding_it(alice, dr_grey):
    vial = make_vial(dr_grey)
    encounter = glabellar_session(alice, dr_grey, vial)
    services.plan_treatment(
        encounter,
        by=dr_grey,
        injections=injections(("procerus", "midline", "4")),
        vial=vial.pk,
        template="glabellar_lines",
    )
    encounter.refresh_from_db()
    assert (encounter.protocol, encounter.plan.count()) == ("glabellar_lines", 1)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"template": "preempt_fixed_site"}, "chronic migraine protocol"),
        ({"template": "no_such_template"}, "no_such_template"),
        ({"template": "glabellar_lines", "protocol": "glabellar_lines"}, "not both"),
    ],
)
def test_a_wrong_template_is_refused_and_the_plan_stays(alice, dr_grey, given, message):
    vial = make_vial(dr_grey)
    encounter = glabellar_session(alice, dr_grey, vial)
    before = list(encounter.plan.values_list("point", "units"))
    with pytest.raises(InvalidInput) as refused:
        services.plan_treatment(
            encounter,
            by=dr_grey,
            injections=injections(("procerus", "midline", "4")),
            vial=vial.pk,
            **given,
        )
    assert refused.value.field == "template"
    assert message in refused.value.message
    encounter.refresh_from_db()
    assert list(encounter.plan.values_list("point", "units")) == before
    assert encounter.protocol == "glabellar_lines"


def test_a_malformed_vial_id_for_one_point_is_an_unknown_vial_not_a_crash(alice, dr_grey):
    vial = make_vial(dr_grey)
    encounter = glabellar_session(alice, dr_grey, vial)
    before = list(encounter.plan.values_list("point", "units"))
    given = services.InjectionInput("procerus", "midline", "4", vial="not-a-vial")
    with pytest.raises(InvalidInput) as refused:
        services.plan_treatment(encounter, by=dr_grey, injections=[given], vial=vial.pk)
    assert (refused.value.field, refused.value.reason) == ("injections[0].vial_id", "unknown vial")
    assert list(encounter.plan.values_list("point", "units")) == before
