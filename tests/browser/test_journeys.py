"""The clinician's main journeys, end to end in Chromium against a live server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import User
from bonta.records import services
from bonta.records.models import Administration, Encounter, Patient
from records.clinic import make_patient, make_vial, preempt_session

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def expiry() -> str:
    return (timezone.localdate() + timedelta(days=300)).isoformat()


def signed_preempt(patient: Patient, by: User, at: datetime) -> Encounter:
    vial = make_vial(
        by,
        product="botox",
        size_units="200",
        diluent_ml="4",
        lot="B-PAST",
        reconstituted_at=at - timedelta(hours=1),
    )
    return services.sign_encounter(preempt_session(patient, by, vial, at), by)


def open_encounter(page: Page, patient: Patient, pathway: str, product: str, at: datetime) -> None:
    page.goto(f"/patients/{patient.pk}/")
    page.click("text=New encounter")
    page.click(f".choice-{pathway}")
    page.select_option("#id_product", product)
    page.fill("#id_at", local(at))
    page.click("button:has-text('Open encounter')")
    expect(page.locator(".encounter-head")).to_be_visible()


def register_and_reconstitute(page: Page, lot: str, size: str, diluent: str, at: datetime) -> None:
    page.click("summary:has-text('Register a new vial')")
    page.fill("input[name=lot]", lot)
    page.fill("input[name=expiry]", expiry())
    page.select_option("select[name=size_units]", size)
    page.click("button:has-text('Register vial')")
    row = page.locator("table.stock tr", has_text=lot)
    row.locator("input[name=diluent_ml]").fill(diluent)
    row.locator("input[name=at]").fill(local(at))
    row.locator("button:has-text('Reconstitute')").click()
    expect(page.locator(".msg-success")).to_contain_text(f"Vial lot {lot} reconstituted")


def apply_template(page: Page, protocol: str, points: int) -> None:
    page.select_option("#protocol", protocol)
    page.click("#apply-protocol")
    expect(page.locator(".points tbody tr")).to_have_count(points)


def test_a_clinician_signs_in_and_sees_the_patient_list(page: Page, clinician: User) -> None:
    page.goto("/patients/")
    expect(page).to_have_url("/login/?next=/patients/")
    sign_in(page, "dr_grey")
    expect(page.locator("h1")).to_have_text("Patients")
    expect(page.locator(".who")).to_contain_text("dr_grey")
    screenshot(page, "01-sign-in")
    assert page.console_errors == []


def test_a_clinician_creates_a_patient_with_a_safety_flag(page: Page, clinician: User) -> None:
    sign_in(page, "dr_grey")
    page.click("text=New patient")
    page.click("button:has-text('Register patient')")  # empty: errors next to the fields
    expect(page.locator("#id_given_name-error")).to_have_text("This field is required.")
    page.fill("#id_given_name", "Maria")
    page.fill("#id_family_name", "Okafor")
    page.fill("#id_birth_date", "1980-04-02")
    page.select_option("#id_sex", "female")
    page.check("text=Myasthenia gravis")
    page.check("text=Muscle relaxant")
    page.click("button:has-text('Register patient')")
    expect(page.locator(".patient-header h1")).to_have_text("Okafor, Maria")
    expect(page.locator(".flags")).to_contain_text("Myasthenia gravis")
    expect(page.locator(".flags")).to_contain_text("Medication: Muscle relaxant")
    screenshot(page, "02-create-patient")
    assert Patient.objects.get(family_name="Okafor").conditions == ["myasthenia_gravis"]


def test_a_preempt_encounter_is_planned_on_the_map_signed_and_shown_in_the_ledger(
    page: Page, clinician: User
) -> None:
    patient = make_patient(clinician)
    at = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    sign_in(page, "dr_grey")
    open_encounter(page, patient, "chronic_migraine", "botox", at)
    register_and_reconstitute(page, "CM-200", "200", "4", at - timedelta(minutes=30))
    apply_template(page, "preempt_fixed_site", 31)
    expect(page.locator(".totals")).to_contain_text("155 U BOTOX")
    expect(page.locator(".points tbody tr").first).to_contain_text("0.100 mL")
    page.click("#pt-frontalis_mid")  # a click on the map adds the point to the list
    expect(page.locator(".points tbody tr")).to_have_count(32)
    expect(page.locator(".totals")).to_contain_text("160 U BOTOX")
    expect(page.locator("#check-panel")).to_contain_text("dose_above_label")
    page.focus("#pt-frontalis_mid")  # the keyboard selects the planned point
    page.keyboard.press("Enter")
    expect(page.locator("[data-map-editor]")).to_contain_text("Frontalis, midline")
    page.click("[data-map-editor-remove]")  # and the editor beside the map removes it
    expect(page.locator(".points tbody tr")).to_have_count(31)
    expect(page.locator("#check-panel")).not_to_contain_text("dose_above_label")
    # The only finding left: a first cycle with no NICE TA260 start criteria recorded (a warning).
    expect(page.locator("#check-panel .finding")).to_have_count(1)
    expect(page.locator("#check-panel")).to_contain_text("nice_initiation_not_met")
    page.click("#sign-button")
    expect(page.locator(".msg-success")).to_contain_text("Encounter signed")
    page.click("text=Chart")
    expect(page.locator(".timeline")).to_contain_text("Chronic migraine")
    expect(page.locator(".ledger")).to_contain_text("155 U in the 3 months")
    expect(page.locator(".ledger")).to_contain_text("12 weeks after")
    screenshot(page, "03-preempt-signed-chart")
    assert Administration.objects.filter(encounter__patient=patient).count() == 31
    assert page.console_errors == []


def test_glabellar_lines_six_weeks_after_preempt_need_a_written_override(
    page: Page, clinician: User
) -> None:
    patient = make_patient(clinician)
    now = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    signed_preempt(patient, clinician, now - timedelta(weeks=6))
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, "dr_grey")
    open_encounter(page, patient, "cosmetic", "botox_cosmetic", now)
    register_and_reconstitute(page, "GL-100", "100", "2.5", now - timedelta(minutes=30))
    apply_template(page, "glabellar_lines", 5)
    findings = page.locator(".findings-block")
    expect(findings).to_contain_text("retreatment_too_soon")
    expect(findings).to_contain_text("Clinical block")
    expect(page.locator("#sign-button")).to_be_disabled()
    screenshot(page, "04a-glabellar-blocked-1024")
    # A coded reason alone does not enable sign-off: the note is required too, and vice versa.
    page.select_option("#override-reason-retreatment_too_soon", "documented_clinical_need")
    expect(page.locator("#sign-button")).to_be_disabled()
    page.fill("#override-note-retreatment_too_soon", "Glabellar lines only; neurologist agreed.")
    expect(page.locator("#sign-button")).to_be_enabled()
    page.select_option("#override-reason-retreatment_too_soon", "")
    expect(page.locator("#sign-button")).to_be_disabled()
    page.select_option("#override-reason-retreatment_too_soon", "documented_clinical_need")
    expect(page.locator("#sign-button")).to_be_enabled()
    page.click("#sign-button")
    expect(page.locator(".msg-success")).to_contain_text("Encounter signed")
    expect(page.locator("main")).to_contain_text("Glabellar lines only; neurologist agreed.")
    expect(page.locator("main")).to_contain_text("documented_clinical_need")
    screenshot(page, "04-glabellar-override-1024")
    encounter = Encounter.objects.get(patient=patient, pathway="cosmetic")
    assert encounter.is_signed
    override = encounter.overrides.get()
    assert (override.code, override.reason_code) == (
        "retreatment_too_soon",
        "documented_clinical_need",
    )


def test_reception_cannot_open_clinical_notes(
    page: Page, clinician: User, receptionist: User
) -> None:
    patient = make_patient(clinician)
    encounter = signed_preempt(patient, clinician, timezone.now() - timedelta(days=3))
    sign_in(page, "rita")
    page.click("text=Archer, Alice")
    expect(page.locator(".patient-header h1")).to_have_text("Archer, Alice")
    expect(page.locator("main")).not_to_contain_text("Dose ledger")
    # The consent panel (reception witnesses consents) names the product each text is worded
    # for; nothing else on the page names a product.
    outside_consent = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('.consent-panel').forEach(e => e.remove()); return m.innerText; }"
    )
    assert "BOTOX" not in outside_consent
    response = page.goto(f"/encounters/{encounter.pk}/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")
    screenshot(page, "05-reception-403")


def test_an_addendum_is_added_to_a_signed_encounter(page: Page, clinician: User) -> None:
    patient = make_patient(clinician)
    encounter = signed_preempt(patient, clinician, timezone.now() - timedelta(days=1))
    sign_in(page, "dr_grey")
    page.goto(f"/encounters/{encounter.pk}/")
    expect(page.locator("#plan-form")).to_have_count(0)  # signed: read-only
    page.fill("#id_reason", "Lot number transcribed wrongly")
    page.fill("#id_text", "The vial lot was B-PAST-2, not B-PAST.")
    page.click("button:has-text('Add addendum')")
    addendum = page.locator(".addendum")
    expect(addendum).to_contain_text("dr_grey")
    expect(addendum).to_contain_text("why: Lot number transcribed wrongly")
    expect(addendum).to_contain_text("B-PAST-2")
    screenshot(page, "06-addendum")
