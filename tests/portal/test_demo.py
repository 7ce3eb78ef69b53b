"""The demo's showcase patient gets a portal login, once."""

from __future__ import annotations

import pytest

from bonta.accounts.models import Role, User
from bonta.demo.clinic import DEMO_PASSWORD, SHOWCASE_RECORD_NUMBER, ensure_demo_portal_account
from bonta.portal.access import patient_of
from records.clinic import make_patient

pytestmark = pytest.mark.django_db


def test_there_is_no_demo_portal_login_without_the_showcase_patient() -> None:
    assert ensure_demo_portal_account() is None
    assert not User.objects.filter(role=Role.PATIENT).exists()


def test_the_showcase_patient_signs_in_as_patient_with_the_demo_password(dr_grey: User) -> None:
    showcase = make_patient(dr_grey, record_number=SHOWCASE_RECORD_NUMBER)
    assert ensure_demo_portal_account() == "patient"
    assert ensure_demo_portal_account() == "patient"  # idempotent
    user = User.objects.get(username="patient")
    assert user.role == Role.PATIENT
    assert user.check_password(DEMO_PASSWORD)
    assert patient_of(user) == showcase
