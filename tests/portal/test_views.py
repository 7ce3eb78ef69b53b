"""Portal pages: the one-tap diary day, a migraine day, a missed day, questionnaires, the
chart's invitation panel and the invitation link, each read and write audited as the patient."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from bonta.accounts.models import Role, User
from bonta.audit.models import AuditEvent
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.migraine.models import DiaryEntry, EnteredBy, QuestionnaireResponse
from bonta.migraine.services import local_today, record_diary_day
from bonta.portal.access import patient_of
from bonta.portal.models import Invitation
from bonta.records.models import Patient
from portal.conftest import client_for, portal_user

pytestmark = pytest.mark.django_db

MIGRAINE_DAY = {
    "headache": "yes",
    "hours": "8",
    "intensity": "3",
    "unilateral": "on",
    "pulsating": "on",
    "nausea": "on",
    "photophobia": "on",
    "acute_medication": ["triptan"],
    "believed_migraine": "on",
    "relieved_by_triptan_or_ergot": "on",
}


def test_no_headache_today_is_one_post_from_the_home_page(
    as_alice: Client, alice: Patient, alice_user: User
) -> None:
    home = as_alice.get("/portal/").content.decode()
    assert 'name="headache" value="no"' in home
    assert 'action="/portal/diary/"' in home
    response = as_alice.post("/portal/diary/", {"headache": "no"})
    assert response.status_code == 302
    entry = DiaryEntry.objects.get(patient=alice)
    assert (entry.on, entry.headache, entry.entered_by) == (local_today(), False, EnteredBy.PATIENT)
    assert entry.recorded_by is None
    event = AuditEvent.objects.get(action="diary.record")
    assert (event.actor_id, event.actor_role, event.patient_id) == (
        alice_user.pk,
        "patient",
        alice.pk,
    )
    assert "✓ Recorded: no headache" in as_alice.get("/portal/").content.decode()


def test_a_migraine_day_with_a_triptan_is_saved_and_listed(
    as_alice: Client, alice: Patient
) -> None:
    response = as_alice.post("/portal/diary/", MIGRAINE_DAY)
    assert response.status_code == 302
    day = DiaryEntry.objects.get(patient=alice).to_domain()
    assert day == DiaryDay(
        local_today(),
        headache=True,
        hours=Decimal(8),
        intensity=3,
        unilateral=True,
        pulsating=True,
        nausea=True,
        photophobia=True,
        believed_migraine=True,
        relieved_by_triptan_or_ergot=True,
        acute_medication=frozenset({MedicationClass.TRIPTAN}),
    )
    page = as_alice.get("/portal/diary/").content.decode()
    assert "headache 8 h, severe · triptan" in page


def test_other_hours_override_the_quick_choice(as_alice: Client, alice: Patient) -> None:
    as_alice.post("/portal/diary/", MIGRAINE_DAY | {"hours_other": "2,5"})
    assert DiaryEntry.objects.get(patient=alice).hours == Decimal("2.5")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "", "hours_other": ""}, "choose the hours"),
        ({"hours_other": "abc"}, "must be a number of hours"),
        ({"hours_other": "NaN"}, "must be a number of hours"),
        ({"hours_other": "2.555"}, "has more than 2 decimal places"),
        ({"hours_other": "25"}, "must be between 0 and 24"),
        ({"hours_other": "0"}, "must be more than 0 hours"),
        ({"intensity": ""}, "choose mild, moderate or severe"),
        ({"acute_medication": ["simple_analgesic"]}, "tick the triptan or ergot you took"),
    ],
)
def test_an_impossible_headache_day_is_refused_by_field_and_nothing_is_written(
    as_alice: Client, changes: dict[str, object], message: str
) -> None:
    response = as_alice.post("/portal/diary/", MIGRAINE_DAY | changes)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not DiaryEntry.objects.exists()


def test_a_missed_day_is_listed_and_can_be_filled_later(as_alice: Client, alice: Patient) -> None:
    today = local_today()
    missed = today - timedelta(days=3)
    page = as_alice.get("/portal/diary/").content.decode()
    assert f'href="?on={missed.isoformat()}"' in page
    response = as_alice.post(f"/portal/diary/?on={missed.isoformat()}", {"headache": "no"})
    assert response.status_code == 302
    assert DiaryEntry.objects.get(patient=alice).on == missed
    page = as_alice.get("/portal/diary/").content.decode()
    assert f'class="chip-link" href="?on={missed.isoformat()}"' not in page


def test_a_future_day_cannot_be_opened_or_recorded(as_alice: Client) -> None:
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert as_alice.get(f"/portal/diary/?on={tomorrow}").status_code == 302
    response = as_alice.post(f"/portal/diary/?on={tomorrow}", {"headache": "no"}, follow=True)
    assert "a diary records what happened" in response.content.decode()
    assert not DiaryEntry.objects.exists()


def test_a_recorded_day_opens_filled_in_for_correction(
    as_alice: Client, alice: Patient, alice_user: User
) -> None:
    on = local_today() - timedelta(days=1)
    record_diary_day(
        alice, DiaryDay(on, headache=True, hours=Decimal(5), intensity=2), by=alice_user
    )
    page = as_alice.get(f"/portal/diary/?on={on.isoformat()}").content.decode()
    assert "Already recorded: headache 5 h, moderate" in page
    assert re.search(r"value=\"2\"[^>]*checked", page)


def test_staff_corrections_stay_audited_as_staff(
    alice: Patient, alice_user: User, nurse_noor: User
) -> None:
    on = local_today()
    record_diary_day(alice, DiaryDay(on, headache=False), by=alice_user)
    record_diary_day(
        alice, DiaryDay(on, headache=True, hours=Decimal(2), intensity=1), by=nurse_noor
    )
    entry = DiaryEntry.objects.get()
    assert (entry.entered_by, entry.recorded_by) == (EnteredBy.STAFF, nurse_noor)
    event = AuditEvent.objects.get(action="diary.correct")
    assert (event.actor_id, event.actor_role) == (nurse_noor.pk, Role.NURSE)


def test_the_patient_sees_only_their_own_days(
    as_alice: Client, alice: Patient, bob: Patient, bob_user: User
) -> None:
    record_diary_day(
        bob, DiaryDay(local_today(), headache=True, hours=Decimal(7), intensity=3), by=bob_user
    )
    page = as_alice.get("/portal/diary/").content.decode()
    assert "headache 7 h" not in page
    assert "Nothing recorded yet." in page


def test_diary_pages_are_audited_reads_by_the_patient(as_alice: Client, alice_user: User) -> None:
    as_alice.get("/portal/diary/")
    event = AuditEvent.objects.get(action="portal.view")
    assert (event.actor_id, event.detail) == (alice_user.pk, {"kind": "diary"})


def test_headache_days_per_28_days_are_shown(
    as_alice: Client, alice: Patient, alice_user: User
) -> None:
    today = local_today()
    for n in range(3):
        record_diary_day(
            alice,
            DiaryDay(today - timedelta(days=n), headache=True, hours=Decimal(4), intensity=2),
            by=alice_user,
        )
    page = as_alice.get("/portal/diary/").content.decode()
    assert "Headache days per 28 days" in page
    assert "<strong>3</strong>" in page


# ---- questionnaires ---------------------------------------------------------------------------


def test_hit6_is_scored_and_stored_as_the_patient(as_alice: Client, alice: Patient) -> None:
    page = as_alice.get("/portal/questionnaires/hit6/").content.decode()
    assert "Item 1" in page
    assert "copyrighted" in page
    answers = {f"item_{n}": "sometimes" for n in range(1, 7)}
    response = as_alice.post("/portal/questionnaires/hit6/", answers)
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(patient=alice)
    assert (saved.score, saved.entered_by, saved.recorded_by) == (60, EnteredBy.PATIENT, None)


def test_a_missing_hit6_item_is_named_and_nothing_is_written(as_alice: Client) -> None:
    answers = {f"item_{n}": "rarely" for n in (1, 2, 4, 5, 6)}
    response = as_alice.post("/portal/questionnaires/hit6/", answers)
    assert response.status_code == 422
    assert "is missing; every HIT-6 item must be answered" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_midas_is_scored_and_a_missing_question_is_refused(as_alice: Client) -> None:
    answers = {"q1": "2", "q2": "1", "q3": "0", "q4": "3", "q5": ""}
    response = as_alice.post("/portal/questionnaires/midas/", answers)
    assert response.status_code == 422
    assert "every scored MIDAS item must be answered" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    response = as_alice.post("/portal/questionnaires/midas/", answers | {"q5": "4"})
    assert response.status_code == 302
    assert QuestionnaireResponse.objects.get().score == 10


def test_licensed_hit6_wording_is_shown_only_when_the_clinic_loaded_all_of_it(
    as_alice: Client, settings, tmp_path
) -> None:
    settings.DATA_DIR = tmp_path
    (tmp_path / "questionnaires").mkdir()
    licensed = tmp_path / "questionnaires" / "licensed.toml"
    licensed.write_text('[hit6]\nitem_1 = "LICENSED ONE"\n', encoding="utf-8")
    assert "LICENSED ONE" not in as_alice.get("/portal/questionnaires/hit6/").content.decode()
    body = "\n".join(f'item_{n} = "LICENSED {n}"' for n in range(1, 7))
    licensed.write_text(f"[hit6]\n{body}\n", encoding="utf-8")
    page = as_alice.get("/portal/questionnaires/hit6/").content.decode()
    assert "LICENSED 6" in page
    assert "copyrighted" not in page


# ---- invitations through the web ---------------------------------------------------------------


def test_reception_invites_from_the_chart_and_the_patient_signs_up(
    as_rita: Client, alice: Patient
) -> None:
    chart = as_rita.get(f"/patients/{alice.pk}/").content.decode()
    assert "Patient portal" in chart
    assert "Invite to the portal" in chart
    page = as_rita.post(f"/portal/staff/patients/{alice.pk}/invite/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    link = page.context["link"]
    path = link.removeprefix("http://testserver")
    patient = Client()
    assert patient.get(path).status_code == 200
    response = patient.post(
        path,
        {
            "birth_date": "1985-05-17",
            "username": "alice.archer",
            "password": "a-long-portal-password",
            "password_again": "a-long-portal-password",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert patient.get("/portal/").status_code == 200
    assert patient_of(User.objects.get(username="alice.archer")) == alice
    again = Client().get(path)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert "Has a portal account" in as_rita.get(f"/patients/{alice.pk}/").content.decode()


def test_inviting_a_patient_with_an_account_says_so(
    as_rita: Client, alice: Patient, alice_user: User
) -> None:
    response = as_rita.post(f"/portal/staff/patients/{alice.pk}/invite/", follow=True)
    assert "already has a portal account" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_manager_sees_the_panel_but_cannot_invite(max_manager: User, alice: Patient) -> None:
    as_max = client_for(max_manager)
    assert "Invite to the portal" not in as_max.get(f"/patients/{alice.pk}/").content.decode()
    assert as_max.post(f"/portal/staff/patients/{alice.pk}/invite/").status_code == 403
    assert not Invitation.objects.exists()


def test_a_wrong_birth_date_on_the_link_is_a_field_error(as_rita: Client, alice: Patient) -> None:
    path = as_rita.post(f"/portal/staff/patients/{alice.pk}/invite/").context["link"]
    response = Client().post(
        path.removeprefix("http://testserver"),
        {
            "birth_date": "1999-01-01",
            "username": "alice",
            "password": "a-long-portal-password",
            "password_again": "a-long-portal-password",
        },
    )
    assert response.status_code == 422
    assert "does not match the clinic" in response.content.decode()


def test_a_patient_without_a_migraine_course_sees_no_diary(bob: Patient) -> None:
    user = portal_user(bob, "bob")
    page = client_for(user).get("/portal/").content.decode()
    assert "headache diary" not in page.lower()
    assert AuditEvent.objects.filter(action="portal.view", actor_id=user.pk).exists()


def test_sign_out_returns_to_the_portal_login(as_alice: Client) -> None:
    response = as_alice.post("/portal/logout/")
    assert response["Location"] == "/portal/login/"
    assert as_alice.get("/portal/").status_code == 302


def test_home_lists_missing_days(as_alice: Client) -> None:
    page = as_alice.get("/portal/").content.decode()
    assert "27 earlier days of the last 28 not recorded" in page
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    assert f"?on={yesterday}" in page
