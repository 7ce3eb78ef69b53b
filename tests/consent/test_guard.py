"""Sign-off needs a current consent for the encounter's pathway: service, web page and API."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.accounts.tokens import issue_token
from bonta.audit.models import AuditEvent
from bonta.consent import services as consent
from bonta.consent.guard import ConsentRequired
from bonta.records import services
from bonta.records.models import Administration, Encounter, EncounterStatus
from consent.helpers import signature_png
from records.clinic import glabellar_session, make_vial, preempt_session

pytestmark = pytest.mark.django_db


def witness(patient, by, kind: str) -> None:
    consent.sign_consent(
        patient, kind=kind, typed_name="Bob Baker", signature=signature_png(), by=by,
        channel="tablet",
    )  # fmt: skip


def unsigned(encounter: Encounter) -> bool:
    stored = Encounter.objects.get(pk=encounter.pk)
    return (
        stored.status == EncounterStatus.DRAFT
        and not Administration.objects.filter(encounter=encounter).exists()
        and not AuditEvent.objects.filter(action="encounter.sign").exists()
    )


def test_sign_off_without_consent_is_refused_naming_the_pathway_and_version(bob, dr_grey) -> None:
    draft = glabellar_session(bob, dr_grey, make_vial(dr_grey))
    with pytest.raises(ConsentRequired) as refused:
        services.sign_encounter(draft, dr_grey)
    assert refused.value.field == "consent"
    assert refused.value.reason == (
        "No current consent for the cosmetic pathway: the patient must sign consent version 1 "
        "before sign-off."
    )
    assert unsigned(draft)


def test_the_other_pathways_consent_does_not_let_sign_off_through(bob, dr_grey) -> None:
    witness(bob, dr_grey, "cosmetic")
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B1")
    draft = preempt_session(bob, dr_grey, vial)
    with pytest.raises(ConsentRequired, match="chronic migraine pathway"):
        services.sign_encounter(draft, dr_grey)
    assert unsigned(draft)
    witness(bob, dr_grey, "chronic_migraine")
    assert services.sign_encounter(draft, dr_grey).is_signed


def test_a_withdrawn_consent_stops_sign_off(alice, dr_grey, nurse_noor) -> None:
    consent.withdraw_consent(consent.current_consent(alice, "cosmetic"), by=nurse_noor)
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    with pytest.raises(ConsentRequired):
        services.sign_encounter(draft, dr_grey)
    assert unsigned(draft)


def test_a_new_document_version_requires_re_consent_before_sign_off(
    alice, dr_grey, max_manager
) -> None:
    consent.publish_document(kind="cosmetic", title="Cosmetic v2", body="New text.", by=max_manager)
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    with pytest.raises(ConsentRequired, match="must sign consent version 2"):
        services.sign_encounter(draft, dr_grey)
    witness(alice, dr_grey, "cosmetic")
    assert services.sign_encounter(draft, dr_grey).is_signed


def test_the_guard_costs_one_query(alice, dr_grey, django_assert_num_queries) -> None:
    from bonta.consent.guard import require_current_consent

    with django_assert_num_queries(1):
        require_current_consent(alice.pk, "cosmetic", {"botox_cosmetic", "dysport"})


# ---- the encounter workspace ----------------------------------------------------------------


def test_the_workspace_disables_sign_off_with_the_reason_before_it_is_tried(bob, dr_grey) -> None:
    draft = glabellar_session(bob, dr_grey, make_vial(dr_grey))
    client = Client()
    client.force_login(dr_grey)
    html = client.get(f"/encounters/{draft.pk}/").content.decode()
    assert "data-consent-missing" in html
    assert "the patient must sign consent version 1 before sign-off" in html
    assert 'id="sign-button"' not in html  # bonta.js never re-enables the disabled button
    assert 'class="primary sign-button" disabled' in html
    assert (
        f"/consent/patients/{bob.pk}/sign/cosmetic/?product=botox_cosmetic&amp;next=/encounters/"
        f"{draft.pk}/"
    ) in html


def test_the_workspace_shows_nothing_about_consent_when_it_is_current(alice, dr_grey) -> None:
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    client = Client()
    client.force_login(dr_grey)
    html = client.get(f"/encounters/{draft.pk}/").content.decode()
    assert "data-consent-missing" not in html
    assert 'id="sign-button"' in html


def test_posting_sign_off_anyway_re_renders_with_the_reason(bob, dr_grey) -> None:
    from bonta.web.plan_form import fingerprint

    draft = glabellar_session(bob, dr_grey, make_vial(dr_grey))
    client = Client()
    client.force_login(dr_grey)
    response = client.post(
        f"/encounters/{draft.pk}/sign/", {"fingerprint": fingerprint(list(draft.plan.all()))}
    )
    assert response.status_code == 422
    assert "No current consent for the cosmetic pathway" in response.content.decode()
    assert unsigned(draft)


# ---- the API ----------------------------------------------------------------------------------


def test_the_api_refuses_sign_off_with_the_consent_field(bob, dr_grey) -> None:
    draft = glabellar_session(bob, dr_grey, make_vial(dr_grey))
    _, key = issue_token(dr_grey, "tests")
    response = Client().post(
        f"/api/encounters/{draft.pk}/sign",
        data={"overrides": []},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {
            "field": "consent",
            "message": "No current consent for the cosmetic pathway: the patient must sign "
            "consent version 1 before sign-off.",
        }
    ]
    assert unsigned(draft)
