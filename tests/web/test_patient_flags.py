"""The safety-flags page: the whole set as ticked, audited before → after; clinical staff only."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.audit.models import AuditEvent
from bonta.records import services
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(alice, dr_grey) -> Patient:
    changes = {"allergies": ["human_albumin"], "conditions": ["myasthenia_gravis"]}
    return services.amend_patient_flags(alice, by=dr_grey, changes=changes)


def test_the_page_shows_the_recorded_flags_ticked(as_grey: Client, flagged: Patient) -> None:
    response = as_grey.get(f"/patients/{flagged.pk}/flags/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["allergies"] == ["human_albumin"]
    assert form.initial["neuromuscular"] == ["myasthenia_gravis"]
    assert form.initial["conditions"] == []
    assert AuditEvent.objects.filter(action="patient.read", patient_id=flagged.pk).exists()


def test_unticking_clears_a_flag_and_the_audit_says_what_was_lost(
    as_noor: Client, flagged: Patient
) -> None:
    response = as_noor.post(
        f"/patients/{flagged.pk}/flags/",
        {"neuromuscular": ["myasthenia_gravis"], "medications": ["aminoglycoside"]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{flagged.pk}/"
    patient = Patient.objects.get(pk=flagged.pk)
    assert (patient.allergies, patient.medications) == ([], ["aminoglycoside"])
    event = AuditEvent.objects.filter(action="patient.update_flags").latest("id")
    assert event.detail == {
        "changes": {
            "allergies": {"before": ["human_albumin"], "after": []},
            "medications": {"before": [], "after": ["aminoglycoside"]},
        }
    }


def test_an_unknown_code_is_put_back_on_the_form(as_grey: Client, flagged: Patient) -> None:
    response = as_grey.post(f"/patients/{flagged.pk}/flags/", {"allergies": ["peanuts"]})
    assert response.status_code == 422
    assert "allergies" in response.context["form"].errors
    assert Patient.objects.get(pk=flagged.pk).allergies == ["human_albumin"]


def test_reception_and_the_manager_may_not_change_flags(
    as_rita: Client, as_max: Client, flagged: Patient
) -> None:
    for client in (as_rita, as_max):
        assert client.get(f"/patients/{flagged.pk}/flags/").status_code == 403
        assert client.post(f"/patients/{flagged.pk}/flags/", {}).status_code == 403
    assert Patient.objects.get(pk=flagged.pk).allergies == ["human_albumin"]


def test_the_chart_links_to_the_page_for_clinical_staff(as_grey: Client, flagged: Patient) -> None:
    chart = as_grey.get(f"/patients/{flagged.pk}/").content
    assert f"/patients/{flagged.pk}/flags/".encode() in chart


def test_registering_on_the_web_audits_the_flags_recorded(as_grey: Client) -> None:
    response = as_grey.post(
        "/patients/new/",
        {
            "record_number": "N-1", "given_name": "Ada", "family_name": "Lovelace",
            "birth_date": "1980-12-10", "sex": "female", "allergies": ["human_albumin"],
        },
    )  # fmt: skip
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="patient.create")
    assert event.detail == {"changes": {"allergies": {"before": [], "after": ["human_albumin"]}}}
