"""The workspace shows which kind each block is, and sign-off follows the domain's rules.

Hard stops: guidance to fix the record or the plan, no override field, sign-off disabled.
Clinical blocks: a coded-reason select (only the reasons that apply) and a note. The
cumulative limit: the overrides are signed and a different clinician, signed in as themselves,
countersigns on the same screen.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonta.records import services
from bonta.records.models import CountersignatureRequest, Encounter, FindingOverride
from bonta.web.plan_form import fingerprint
from records.clinic import SESSION_AT, glabellar_session, injections, make_vial, preempt_session

pytestmark = pytest.mark.django_db


def page(client, encounter: Encounter) -> str:
    return client.get(f"/encounters/{encounter.pk}/").content.decode()


def sign(client, encounter: Encounter, **fields: str):
    data = {"fingerprint": fingerprint(list(encounter.plan.all())), **fields}
    return client.post(f"/encounters/{encounter.pk}/sign/", data)


@pytest.fixture
def expired(alice, dr_grey) -> Encounter:
    return glabellar_session(alice, dr_grey, make_vial(dr_grey, expiry=date(2024, 1, 1)))


@pytest.fixture
def too_soon(alice, dr_grey) -> Encounter:
    earlier = SESSION_AT - timedelta(weeks=6)
    vial = make_vial(
        dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B",
        reconstituted_at=earlier - timedelta(hours=1),
    )  # fmt: skip
    services.sign_encounter(preempt_session(alice, dr_grey, vial, earlier), dr_grey)
    return glabellar_session(alice, dr_grey, make_vial(dr_grey))


@pytest.fixture
def cumulative(alice, dr_grey) -> Encounter:
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


def test_a_hard_stop_shows_fix_the_record_or_the_plan_and_no_override_field(as_grey, expired):
    html = page(as_grey, expired)
    assert 'data-kind="hard_stop"' in html
    assert "Fix the record or the plan" in html
    assert 'data-hard-stop="vial_expired"' in html
    assert "override_reason_vial_expired" not in html
    assert "override_note_vial_expired" not in html
    assert 'id="sign-button"' not in html  # the disabled button bonta.js never enables


def test_a_forged_override_of_a_hard_stop_is_refused_and_writes_nothing(as_grey, expired):
    response = sign(
        as_grey, expired,
        override_reason_vial_expired="documented_clinical_need",
        override_note_vial_expired="Extension letter",
    )  # fmt: skip
    assert response.status_code == 422
    assert b"hard stop" in response.content
    assert not Encounter.objects.get(pk=expired.pk).is_signed
    assert not FindingOverride.objects.exists()


def test_a_clinical_block_offers_only_the_reasons_that_apply_and_a_note(as_grey, too_soon):
    html = page(as_grey, too_soon)
    assert 'data-kind="clinical_block"' in html
    assert 'name="override_reason_retreatment_too_soon"' in html
    assert 'name="override_note_retreatment_too_soon"' in html
    for code in ("documented_clinical_need", "prior_record_incorrect", "current_label_differs"):
        assert f'<option value="{code}"' in html
    assert 'id="sign-button" class="primary sign-button" disabled' in html


def test_a_reason_without_a_note_is_refused_naming_the_note(as_grey, too_soon):
    response = sign(
        as_grey, too_soon, override_reason_retreatment_too_soon="documented_clinical_need"
    )
    assert response.status_code == 422
    assert b"overrides[0].note" in response.content
    assert not Encounter.objects.get(pk=too_soon.pk).is_signed
    # what was chosen is kept on the form shown again
    assert b'value="documented_clinical_need" selected' in response.content


def test_an_unknown_reason_code_is_refused(as_grey, too_soon):
    response = sign(
        as_grey, too_soon,
        override_reason_retreatment_too_soon="because",
        override_note_retreatment_too_soon="x",
    )  # fmt: skip
    assert response.status_code == 422
    assert b"overrides[0].reason" in response.content
    assert not FindingOverride.objects.exists()


def test_the_cumulative_limit_is_signed_by_one_clinician_and_countersigned_by_another(
    as_grey, as_okafor, cumulative, dr_grey, dr_okafor
):
    html = page(as_grey, cumulative)
    assert "needs a second clinician's countersignature" in html
    assert "Sign and request countersignature" in html
    response = sign(
        as_grey, cumulative,
        override_reason_cumulative_dose_exceeded="prior_record_incorrect",
        override_note_cumulative_dose_exceeded="The 230 U elsewhere was not given.",
    )  # fmt: skip
    assert response.status_code == 302
    assert not Encounter.objects.get(pk=cumulative.pk).is_signed
    mine = page(as_grey, cumulative)
    assert "Waiting for a second clinician" in mine
    assert 'id="countersign-button"' not in mine  # the requester cannot countersign
    assert "Withdraw request" in mine
    theirs = page(as_okafor, cumulative)
    assert 'id="countersign-button"' in theirs
    assert "The 230 U elsewhere was not given." in theirs
    # the requester forging the countersign form is refused by field
    forged = as_grey.post(
        f"/encounters/{cumulative.pk}/countersign/",
        {"fingerprint": fingerprint(list(cumulative.plan.all()))},
    )
    assert forged.status_code == 422
    assert b"second clinician" in forged.content
    assert not Encounter.objects.get(pk=cumulative.pk).is_signed
    done = as_okafor.post(
        f"/encounters/{cumulative.pk}/countersign/",
        {"fingerprint": fingerprint(list(cumulative.plan.all()))},
    )
    assert done.status_code == 302
    signed = Encounter.objects.get(pk=cumulative.pk)
    assert signed.is_signed
    assert signed.signed_by == dr_grey
    override = FindingOverride.objects.get(encounter=cumulative)
    assert (override.clinician, override.countersigner) == (dr_grey, dr_okafor)
    shown = page(as_grey, cumulative)
    assert "countersigned by dr_okafor" in shown
    assert "prior_record_incorrect" in shown


def test_the_requester_withdraws_and_the_sign_form_returns(as_grey, cumulative):
    sign(
        as_grey, cumulative,
        override_reason_cumulative_dose_exceeded="prior_record_incorrect",
        override_note_cumulative_dose_exceeded="Not given.",
    )  # fmt: skip
    as_grey.post(f"/encounters/{cumulative.pk}/countersign/withdraw/")
    assert not CountersignatureRequest.objects.exists()
    assert 'name="override_reason_cumulative_dose_exceeded"' in page(as_grey, cumulative)


def test_a_nurse_sees_the_kinds_but_no_override_fields(as_noor, too_soon):
    html = page(as_noor, too_soon)
    assert 'data-kind="clinical_block"' in html
    assert "override_reason_" not in html
    assert "Only a clinician can sign off or override a clinical block" in html
