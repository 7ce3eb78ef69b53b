"""`bonta demo` and the demo portal login: names that fit the record, a portal with content."""

from __future__ import annotations

import re

import pytest

from bonta.accounts.models import User
from bonta.demo.clinic import (
    GIVEN_FEMALE,
    GIVEN_MALE,
    SHOWCASE_RECORD_NUMBER,
    ensure_demo_portal_account,
    generate,
)
from bonta.migraine.models import DiaryEntry, QuestionnaireResponse
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db


def test_demo_given_names_fit_the_recorded_sex() -> None:
    assert not set(GIVEN_FEMALE) & set(GIVEN_MALE)
    generate(60, seed=4, years=2)
    for given, sex in Patient.objects.values_list("given_name", "sex"):
        assert given in {"female": GIVEN_FEMALE, "male": GIVEN_MALE}[sex], (given, sex)


def test_the_demo_portal_patient_has_a_diary_and_questionnaires_once() -> None:
    generate(3, seed=1, years=2)
    assert ensure_demo_portal_account() == "patient"
    showcase = Patient.objects.get(record_number=SHOWCASE_RECORD_NUMBER)
    days = DiaryEntry.objects.filter(patient=showcase).count()
    answered = QuestionnaireResponse.objects.filter(patient=showcase)
    assert days > 200  # a year of diary, with the gaps real diaries have
    assert {q.instrument for q in answered} == {"hit6", "midas"}
    assert all(q.entered_by == "patient" for q in answered)
    count = answered.count()

    assert ensure_demo_portal_account() == "patient"  # a second start adds nothing
    assert DiaryEntry.objects.filter(patient=showcase).count() == days
    assert QuestionnaireResponse.objects.filter(patient=showcase).count() == count


def test_the_demo_portal_home_is_not_empty(client) -> None:
    generate(2, seed=1, years=2)
    ensure_demo_portal_account()
    client.force_login(User.objects.get(username="patient"))
    html = client.get("/portal/").content.decode()
    assert "Headache days per 28 days" in html
    assert re.search(r"HIT-6 <small>last \d+ \w+ \d{4}</small>", html)
    assert re.search(r"MIDAS <small>last \d+ \w+ \d{4}</small>", html)
    # today is left for the demo user to fill in
    assert "Recorded:" not in html
