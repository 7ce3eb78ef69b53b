"""The chart's "Record treatment given elsewhere" form: what the safety check must count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bonta.audit.models import AuditEvent
from bonta.records import services
from bonta.records.models import ExternalAdministration
from records.clinic import SESSION_AT, glabellar_session, make_vial


def url(patient) -> str:
    return f"/patients/{patient.pk}/given-elsewhere/new/"


GIVEN = {
    "on": "2025-02-01",
    "product": "botox_cosmetic",
    "units": "20",
    "given_for": "cosmetic",
    "area": "glabellar_lines",
    "source_system": "Riverside Aesthetics",
    "source_id": "RA-1001",
    "lot": "C1234",
    "lot_expiry": "2026-01-31",
}


def test_the_form_records_it_with_its_audit_event_and_the_chart_lists_it(as_grey, alice):
    page = as_grey.get(url(alice))
    assert page.status_code == 200
    assert "Record a treatment given elsewhere" in page.content.decode()
    response = as_grey.post(url(alice), GIVEN)
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{alice.pk}/"
    row = ExternalAdministration.objects.get(patient=alice)
    assert (row.on, row.product, row.units, row.pathway, row.area) == (
        date(2025, 2, 1),
        "botox_cosmetic",
        20,
        "cosmetic",
        "glabellar_lines",
    )
    assert (row.source_system, row.source_id, row.lot, row.lot_expiry) == (
        "Riverside Aesthetics",
        "RA-1001",
        "C1234",
        date(2026, 1, 31),
    )
    assert row.muscles is None  # the area names them
    event = AuditEvent.objects.get(action="external_administration.record")
    assert event.patient_id == alice.pk
    chart = as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert "Recorded: 20 U BOTOX Cosmetic (onabotulinumtoxinA) given 2025-02-01" in chart
    assert "Given elsewhere" in chart
    assert "Riverside Aesthetics" in chart
    assert "C1234" in chart


def test_the_safety_check_counts_what_the_form_recorded(as_grey, alice, dr_grey):
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))  # on SESSION_AT
    before = {f.code for f in services.check_plan(draft, by=dr_grey)}
    assert "retreatment_too_soon" not in before
    given = {**GIVEN, "on": (SESSION_AT.date() - timedelta(days=30)).isoformat()}
    assert as_grey.post(url(alice), given).status_code == 302
    after = {f.code for f in services.check_plan(draft, by=dr_grey)}
    assert "retreatment_too_soon" in after  # 30 days after the other clinic's glabellar session


def test_another_indication_with_its_muscles(as_grey, alice):
    given = {
        **GIVEN,
        "product": "botox",
        "units": "100",
        "given_for": "other",
        "indication": "cervical dystonia",
        "area": "",
        "muscles": ["frontalis", "corrugator"],
        "source_id": "",
    }
    response = as_grey.post(url(alice), given)
    assert response.status_code == 302, response.context["form"].errors
    row = ExternalAdministration.objects.get(patient=alice)
    assert (row.pathway, row.indication) == ("", "cervical dystonia")
    assert sorted(row.muscles) == ["corrugator", "frontalis"]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"on": ""}, "on", "required"),
        ({"on": "2025-02-30"}, "on", "valid date"),
        ({"product": "botox_xl"}, "product", "valid choice"),
        ({"units": "0"}, "units", "greater than zero"),
        ({"units": "-5"}, "units", "greater than zero"),
        ({"units": "2.555"}, "units", "decimal"),
        ({"units": "lots"}, "units", "number"),
        ({"given_for": ""}, "given_for", "required"),
        ({"given_for": "other", "area": ""}, "indication", "which indication"),
        ({"indication": "cervical dystonia"}, "indication", "not both"),
        ({"area": "chronic_migraine"}, "area", "not a cosmetic area"),
        ({"given_for": "other", "indication": "spasticity"}, "area", "belongs to a pathway"),
        ({"source_system": ""}, "source_system", "required"),
        ({"source_system": "local"}, "source_system", "reserved"),
        ({"lot": "", "lot_expiry": "2026-01-31"}, "lot_expiry", "give the lot"),
        ({"muscles": ["not_a_muscle"]}, "muscles", "valid choice"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_writes_nothing(as_grey, alice, change, field, says):
    before = AuditEvent.objects.exclude(action__contains="read").count()
    response = as_grey.post(url(alice), {**GIVEN, **change})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors, errors
    assert says in " ".join(errors[field])
    assert says in response.content.decode()
    assert not ExternalAdministration.objects.exists()
    assert AuditEvent.objects.exclude(action__contains="read").count() == before


def test_a_date_in_the_future_is_refused(as_grey, alice):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = as_grey.post(url(alice), {**GIVEN, "on": tomorrow})
    assert response.status_code == 422
    assert "on" in response.context["form"].errors
    assert not ExternalAdministration.objects.exists()


def test_the_same_source_record_twice_is_refused(as_grey, alice):
    assert as_grey.post(url(alice), GIVEN).status_code == 302
    response = as_grey.post(url(alice), GIVEN)
    assert response.status_code == 422
    assert "already imported" in " ".join(response.context["form"].errors["source_id"])
    assert ExternalAdministration.objects.count() == 1


@pytest.mark.parametrize("persona", ["as_rita", "as_max"])
def test_reception_and_managers_may_not_record_it(request, persona, alice):
    client = request.getfixturevalue(persona)
    assert client.get(url(alice)).status_code == 403
    assert client.post(url(alice), GIVEN).status_code == 403
    assert not ExternalAdministration.objects.exists()


def test_a_nurse_records_it(as_noor, alice):
    assert as_noor.post(url(alice), GIVEN).status_code == 302
    assert ExternalAdministration.objects.filter(patient=alice).count() == 1


def test_the_chart_links_to_the_form_for_clinical_staff_only(as_grey, as_max, alice):
    assert url(alice) in as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert url(alice) not in as_max.get(f"/patients/{alice.pk}/").content.decode()
