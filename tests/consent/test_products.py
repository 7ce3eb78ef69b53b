"""Product-specific consent (issue 10): the text names the product the patient will receive and
cites only that product's facts; a consent covers the product it was signed for; sign-off of a
plan with a product no current consent covers is refused, naming the consent and the product."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.accounts.tokens import issue_token
from bonta.audit.models import AuditEvent
from bonta.consent import services as consent
from bonta.consent.guard import ConsentRequired
from bonta.consent.models import Consent, ConsentDocument
from bonta.consent.shipped import shipped_documents
from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product
from bonta.records import services
from bonta.records.models import Administration, Encounter, EncounterStatus, Patient
from bonta.records.services.encounters import sign_off_refusal
from consent.helpers import data_url, signature_png
from records.clinic import glabellar_session, make_patient, make_vial

pytestmark = pytest.mark.django_db

COSMETIC_PRODUCTS = ("botox_cosmetic", "daxxify", "dysport", "jeuveau", "letybo", "xeomin")


def shipped(product: str):
    (found,) = [d for d in shipped_documents() if d.product == product]
    return found


def sign(patient: Patient, by, kind: str = "cosmetic", product: str | None = None) -> Consent:
    return consent.sign_consent(
        patient, kind=kind, typed_name="Dana Doe", signature=signature_png(), by=by,
        channel="tablet", product=product,
    )  # fmt: skip


@pytest.fixture
def dana(dr_grey) -> Patient:
    """A cosmetic patient who has signed only the BOTOX Cosmetic-worded consent."""
    patient = make_patient(dr_grey, "D-001", given_name="Dana", family_name="Doe", consents=())
    consent.install_shipped_documents()
    sign(patient, dr_grey)
    return patient


def dysport_session(patient: Patient, by) -> Encounter:
    vial = make_vial(by, product="dysport", size_units="300", diluent_ml="2.5", lot="D300")
    return services.open_encounter(
        patient, by=by, pathway="cosmetic", product="dysport", at=vial.reconstituted_at,
        protocol="glabellar_lines", vial=vial.pk,
    )  # fmt: skip


def unsigned(encounter: Encounter) -> bool:
    stored = Encounter.objects.get(pk=encounter.pk)
    return (
        stored.status == EncounterStatus.DRAFT
        and not Administration.objects.filter(encounter=encounter).exists()
        and not AuditEvent.objects.filter(action="encounter.sign").exists()
    )


# ---- wording ---------------------------------------------------------------------------------


def test_bonta_ships_a_cosmetic_text_worded_for_each_cosmetic_product() -> None:
    assert sorted(d.product for d in shipped_documents() if d.kind == "cosmetic") == sorted(
        COSMETIC_PRODUCTS
    )
    for code in COSMETIC_PRODUCTS:
        assert consent.current_document("cosmetic", code).product == code
    assert [d.product for d in shipped_documents() if d.kind == "chronic_migraine"] == ["botox"]


@pytest.mark.parametrize("code", ["dysport", "xeomin", "jeuveau", "daxxify", "letybo"])
def test_a_product_text_names_its_product_and_none_of_botox_cosmetics_facts(code: str) -> None:
    doc, product = shipped(code), get_product(code)
    assert (
        doc.title
        == f"Consent to cosmetic treatment with {product.brand} ({product.nonproprietary})"
    )
    assert f"I agree to cosmetic treatment with {product.brand}" in doc.body
    assert "This consent is for " + product.brand + " only" in doc.body
    # BOTOX Cosmetic's indications, spacing, duration and 400-unit limit are not this label's.
    for botox_cosmetic_fact in (
        "BOTOX Cosmetic is approved",
        "90 days apart",
        "units of BOTOX in 3 months",
        "results last up to 4 months",
        "crow's feet",
        "BOTOX Cosmetic contains",
    ):
        assert botox_cosmetic_fact not in doc.body, botox_cosmetic_fact
    # The class boxed warning, as the register has it (BOTOX label: "all botulinum toxin
    # products"), and the urgent signs.
    assert "boxed warning about all botulinum toxin products" in doc.body
    assert "there have been reports of death" in doc.body
    assert "get medical help right away" in doc.body


def test_the_dysport_text_cites_dysports_label_dose_interval_and_milk_protein() -> None:
    body = shipped("dysport").body
    # products.toml: glabellar 50 U as 5 × 10 U (DYSPORT-HCP); 90 days only [W].
    assert "For glabellar lines, the Dysport label dose is 50 units of Dysport, as 5 injections " \
        "of 10 units each." in body  # fmt: skip
    assert "Dysport may contain trace amounts of cow's milk protein" in body
    assert "Dysport contains human albumin" in body
    assert "Dysport contains lactose" in body
    assert "Only clinic pages, not the label, say Dysport should not be given more often than " \
        "every 90 days" in body  # fmt: skip
    assert "weak sources only" in body


def test_each_text_states_its_own_interval_and_formulation() -> None:
    assert (
        "Treatments with Xeomin should be at least 3 months apart: the shortest interval its "
        "label supports." in shipped("xeomin").body
    )
    daxxify = shipped("daxxify").body
    assert "Daxxify contains no human albumin" in daxxify
    assert "For glabellar lines, the Daxxify label dose is 40 units of Daxxify, as 5 " in daxxify
    assert "Letybo contains human albumin" in shipped("letybo").body
    # The register gives no address for Jeuveau's ingredient sources: the fact is left out.
    assert "albumin" not in shipped("jeuveau").body.split("## Sources")[0]
    assert "Jeuveau: contains human albumin" in shipped("jeuveau").left_out


def test_the_migraine_consent_is_for_onabotulinumtoxin_a_only() -> None:
    with pytest.raises(InvalidInput) as refused:
        consent.current_document("chronic_migraine", "dysport")
    assert refused.value.field == "product"
    assert "labelled: botox" in refused.value.reason
    with pytest.raises(InvalidInput, match="names no product"):
        consent.current_document("photography", "dysport")


# ---- coverage and the sign-off guard ---------------------------------------------------------


def test_a_botox_cosmetic_consent_does_not_cover_a_dysport_plan(dana, dr_grey) -> None:
    draft = dysport_session(dana, dr_grey)
    with pytest.raises(ConsentRequired) as refused:
        services.sign_encounter(draft, dr_grey)
    assert refused.value.field == "consent"
    assert refused.value.reason == (
        "No current consent for the cosmetic pathway covers Dysport, which this plan uses (the "
        "patient's current cosmetic consent covers only BOTOX Cosmetic): the patient must sign "
        "consent version 1 (the cosmetic consent worded for Dysport) before sign-off."
    )
    assert unsigned(draft)
    signed = sign(dana, dr_grey, product="dysport")
    assert signed.document.product == "dysport"
    assert services.sign_encounter(draft, dr_grey).is_signed


def test_a_dysport_consent_does_not_cover_botox_cosmetic(dr_grey) -> None:
    patient = make_patient(dr_grey, "E-001", consents=())
    consent.install_shipped_documents()
    sign(patient, dr_grey, product="dysport")
    draft = glabellar_session(patient, dr_grey, make_vial(dr_grey))
    with pytest.raises(ConsentRequired, match="covers BOTOX Cosmetic, which this plan uses"):
        services.sign_encounter(draft, dr_grey)
    assert unsigned(draft)


def test_a_plan_drawing_from_a_second_products_vial_needs_both_consents(dana, dr_grey) -> None:
    draft = glabellar_session(dana, dr_grey, make_vial(dr_grey))
    assert sign_off_refusal(draft) == ""
    xeomin = make_vial(dr_grey, product="xeomin", lot="X1")
    row = draft.plan.first()
    row.vial = xeomin
    row.save()
    assert "covers Xeomin" in sign_off_refusal(draft)


def test_a_product_with_no_published_text_is_refused_by_name(dana, dr_grey) -> None:
    ConsentDocument.objects.filter(product="dysport").delete()  # no signature protects it
    draft = dysport_session(dana, dr_grey)
    with pytest.raises(ConsentRequired) as refused:
        services.sign_encounter(draft, dr_grey)
    assert refused.value.reason.startswith(
        "No current consent for the cosmetic pathway covers Dysport: no cosmetic consent "
        "document worded for Dysport is published yet"
    )


def test_a_new_version_for_one_product_leaves_the_others_current(dana, dr_grey, max_manager):
    sign(dana, dr_grey, product="dysport")
    consent.publish_document(
        kind="cosmetic", product="dysport", title="Dysport v2", body="New.", by=max_manager
    )
    assert consent.current_document("cosmetic", "dysport").version == 2
    assert consent.current_consent(dana, "cosmetic", "dysport") is None
    assert consent.current_consent(dana, "cosmetic") is not None  # BOTOX Cosmetic v1 stands
    with pytest.raises(ConsentRequired, match=r"must sign consent version 2 \(the cosmetic"):
        services.sign_encounter(dysport_session(dana, dr_grey), dr_grey)


# ---- the interfaces --------------------------------------------------------------------------


def test_the_api_refusal_names_the_consent_and_the_product(dana, dr_grey) -> None:
    draft = dysport_session(dana, dr_grey)
    _, key = issue_token(dr_grey, "tests")
    response = Client().post(
        f"/api/encounters/{draft.pk}/sign",
        data={"overrides": []},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "consent"
    assert "covers Dysport, which this plan uses" in error["message"]
    assert "covers only BOTOX Cosmetic" in error["message"]
    assert unsigned(draft)


def test_the_workspace_shows_the_refusal_and_links_to_the_products_text(dana, dr_grey) -> None:
    draft = dysport_session(dana, dr_grey)
    client = Client()
    client.force_login(dr_grey)
    html = client.get(f"/encounters/{draft.pk}/").content.decode()
    assert "covers Dysport, which this plan uses" in html
    assert f"/consent/patients/{dana.pk}/sign/cosmetic/?product=dysport&amp;next=" in html


def test_the_tablet_page_offers_the_products_wording_and_signs_it(dana, nurse_noor) -> None:
    client = Client()
    client.force_login(nurse_noor)
    url = f"/consent/patients/{dana.pk}/sign/cosmetic/?product=dysport"
    page = client.get(url).content.decode()
    assert "Consent to cosmetic treatment with Dysport (abobotulinumtoxinA)" in page
    response = client.post(
        url, {"typed_name": "Dana Doe", "signature": signature_png_url(), "version": "1"}
    )
    assert response.status_code == 302
    assert consent.current_consent(dana, "cosmetic", "dysport") is not None
    assert client.get(f"/consent/patients/{dana.pk}/sign/cosmetic/?product=nope").status_code == 404


def test_the_portal_asks_for_the_text_of_the_product_planned(dana, dr_grey) -> None:
    from bonta.records.models import Course
    from portal.conftest import portal_user

    Course.objects.get_or_create(
        patient=dana, pathway="cosmetic", defaults={"started_on": "2025-01-06"}
    )
    dysport_session(dana, dr_grey)
    client = Client()
    client.force_login(portal_user(dana, "dana"))
    home = client.get("/portal/").content.decode()
    assert 'href="/portal/consent/cosmetic/?product=dysport"' in home
    assert 'href="/portal/consent/cosmetic/?product=botox_cosmetic"' not in home  # signed
    page = client.get("/portal/consent/cosmetic/?product=dysport").content.decode()
    assert "Consent to cosmetic treatment with Dysport" in page
    response = client.post(
        "/portal/consent/cosmetic/?product=dysport",
        {"typed_name": "Dana Doe", "signature": signature_png_url(), "version": "1"},
    )
    assert response.status_code == 302
    signed = consent.current_consent(dana, "cosmetic", "dysport")
    assert signed is not None
    assert signed.channel == "portal"


def signature_png_url() -> str:
    return data_url(signature_png())


def test_demo_patients_have_consent_for_every_product_they_received() -> None:
    from bonta.consent.guard import require_current_consent
    from bonta.demo.clinic import generate

    generate(60, seed=4, years=2)
    checked = 0
    for patient_id, pathway, product in (
        Encounter.objects.filter(status=EncounterStatus.SIGNED)
        .values_list("patient_id", "pathway", "product")
        .distinct()
    ):
        require_current_consent(patient_id, pathway, {product})
        checked += product not in ("botox", "botox_cosmetic")
    assert checked > 0  # some demo patients were treated with another brand


def test_the_fhir_policy_address_tells_the_product_texts_apart(dana, dr_grey) -> None:
    from bonta.fhir.resources.consent import to_fhir

    dysport = sign(dana, dr_grey, product="dysport")
    botox_cosmetic = consent.current_consent(dana, "cosmetic")
    uris = [to_fhir(c)["policy"][0]["uri"] for c in (botox_cosmetic, dysport)]
    assert uris[0].endswith("/consent-document/cosmetic/1")  # the address it always had
    assert uris[1].endswith("/consent-document/cosmetic/dysport/1")
