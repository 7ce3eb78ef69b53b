"""The services' own input limits, which the web pages, the API and the CLI all reach:
no control characters in typed text, at most MAX_PLAN_POINTS points in a plan."""

from __future__ import annotations

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.plan import MAX_PLAN_POINTS
from bonta.records import services
from bonta.records.models import Addendum, Patient, PlannedInjection

from .clinic import glabellar_session, make_patient, make_vial

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": "Al\x00ice"}, "given_name"),
        ({"family_name": "Arc\nher"}, "family_name"),
        ({"record_number": "A\u0085001"}, "record_number"),  # C1 "next line"
        ({"phone": "0123\x08"}, "phone"),
        ({"email": "a@b.org\x1b"}, "email"),
    ],
)
def test_control_characters_in_a_patients_text_are_refused(dr_grey, change, field):
    with pytest.raises(InvalidInput) as refused:
        make_patient(dr_grey, **change)
    assert refused.value.field == field
    assert "control characters" in refused.value.reason
    assert not Patient.objects.exists()


def test_an_addendum_may_have_lines_but_no_nul(alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.sign_encounter(encounter, dr_grey, {})
    services.amend_encounter(encounter, by=dr_grey, reason="Note", text="Line one.\nLine two.")
    with pytest.raises(InvalidInput) as refused:
        services.amend_encounter(encounter, by=dr_grey, reason="Note", text="bad\x00")
    assert refused.value.field == "text"
    with pytest.raises(InvalidInput) as refused:
        services.amend_encounter(encounter, by=dr_grey, reason="Two\nlines", text="x")
    assert refused.value.field == "reason"
    assert Addendum.objects.count() == 1


def test_a_plan_over_the_points_limit_counts_the_protocols_points(alice, dr_grey):
    vial = make_vial(dr_grey)
    encounter = glabellar_session(alice, dr_grey, vial)  # the protocol's 5 points
    extra = [services.InjectionInput("procerus", "midline", "1")] * (MAX_PLAN_POINTS - 5 + 1)
    with pytest.raises(InvalidInput) as refused:
        services.plan_treatment(
            encounter, by=dr_grey, protocol="glabellar_lines", vial=vial.pk, injections=extra
        )
    assert refused.value.field == "injections"
    assert f"at most {MAX_PLAN_POINTS}" in refused.value.reason
    assert PlannedInjection.objects.filter(encounter=encounter).count() == 5  # unchanged
    services.plan_treatment(
        encounter, by=dr_grey, protocol="glabellar_lines", vial=vial.pk, injections=extra[1:]
    )
    assert PlannedInjection.objects.filter(encounter=encounter).count() == MAX_PLAN_POINTS
