"""Vial stock (register, reconstitute, time left) and the adverse-event form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bonta.records import services
from bonta.records.models import AdverseEvent, Vial

pytestmark = pytest.mark.django_db


def in_a_year() -> str:
    return (timezone.localdate() + timedelta(days=365)).isoformat()


def test_a_vial_is_registered_from_an_encounter_and_selected_there(as_grey, alice, dr_grey):
    from records.clinic import SESSION_AT

    draft = services.open_encounter(
        alice, by=dr_grey, pathway="cosmetic", product="botox_cosmetic", at=SESSION_AT
    )
    response = as_grey.post(
        "/vials/",
        {
            "product": "botox_cosmetic",
            "lot": "NEW-1",
            "expiry": in_a_year(),
            "size_units": "50",
            "next": f"/encounters/{draft.pk}/",
        },
    )
    vial = Vial.objects.get(lot="NEW-1")
    assert response["Location"] == f"/encounters/{draft.pk}/?vial={vial.pk}"
    assert (vial.product, vial.size_units, vial.reconstituted_at) == ("botox_cosmetic", 50, None)
    page = as_grey.get(response["Location"]).content.decode()
    assert f'<option value="{vial.pk}" selected>Lot NEW-1' in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lot": "", "expiry": "2030-01-01", "size_units": "100"}, "lot"),
        ({"lot": "X", "expiry": "soon", "size_units": "100"}, "expiry"),
        ({"lot": "X", "expiry": "2030-01-01", "size_units": "7"}, "size_units"),
        (
            {"lot": "X", "expiry": "2030-01-01", "size_units": "100", "diluent_ml": "2.5"},
            "diluent_ml",
        ),
    ],
)
def test_bad_vial_input_is_refused_next_to_the_field(as_grey, unchanged, data, field) -> None:
    response = as_grey.post("/vials/", {"product": "botox_cosmetic", **data})
    assert response.status_code == 422
    assert field in response.context["form"].errors
    unchanged()


def test_reconstitution_shows_the_time_left_in_the_label_window(as_grey, dr_grey) -> None:
    from records.clinic import make_vial

    vial = make_vial(dr_grey, diluent_ml=None, lot="R-1", expiry=date(2099, 1, 1))
    at = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    as_grey.post(f"/vials/{vial.pk}/reconstitute/", {"diluent_ml": "2.5", "at": at})
    vial.refresh_from_db()
    assert vial.diluent_ml == 2.5
    html = as_grey.get("/vials/").content.decode()
    assert "21 h" in html
    assert "left (use by" in html


def test_a_vial_is_reconstituted_once(as_grey, fresh_vial, unchanged) -> None:
    response = as_grey.post(
        f"/vials/{fresh_vial.pk}/reconstitute/",
        {"diluent_ml": "1", "at": "2025-03-03T09:00"},
        follow=True,
    )
    assert b"already reconstituted" in response.content
    unchanged()


def test_a_manager_may_keep_stock_but_not_reconstitute(as_max, fresh_vial, unchanged) -> None:
    assert as_max.get("/vials/").status_code == 200
    response = as_max.post(f"/vials/{fresh_vial.pk}/reconstitute/", {"diluent_ml": "1"})
    assert response.status_code == 403
    unchanged()


def test_a_distant_spread_sign_is_flagged_urgent_with_advice(as_noor, alice, draft) -> None:
    response = as_noor.post(
        f"/patients/{alice.pk}/adverse-events/new/",
        {
            "type": "breathing_difficulty",
            "onset": "2025-03-05",
            "severity": "severe",
            "serious": "on",
            "outcome": "ongoing",
            "encounter": str(draft.pk),
        },
        follow=True,
    )
    event = AdverseEvent.objects.get()
    assert event.urgent
    assert event.serious
    assert event.encounter == draft
    html = response.content.decode()
    assert "URGENT — Breathing difficulty" in html
    assert "seek medical care now" in html


def test_the_form_marks_the_urgent_types(as_grey, alice) -> None:
    html = as_grey.get(f"/patients/{alice.pk}/adverse-events/new/").content.decode()
    for name in (
        "Dysphagia",
        "Breathing difficulty",
        "Generalised weakness",
        "Diplopia",
        "Dysphonia",
    ):
        assert f"{name} — urgent: distant spread" in html
    assert "Bruising — urgent" not in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"onset": "2999-01-01"}, "onset"),
        ({"type": "headache"}, "type"),
        ({"severity": ""}, "severity"),
    ],
)
def test_a_bad_adverse_event_is_refused_and_writes_nothing(
    as_grey, alice, unchanged, change, field
) -> None:
    data = {
        "type": "bruising",
        "onset": "2025-03-05",
        "severity": "mild",
        "outcome": "ongoing",
        **change,
    }
    response = as_grey.post(f"/patients/{alice.pk}/adverse-events/new/", data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    unchanged()
