"""Invitations: staff make a one-time link, the patient turns it into their own account."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.portal.access import patient_of
from bonta.portal.models import Invitation, PortalAccount
from bonta.portal.services import (
    INVITATION_DAYS,
    AlreadyHasAccount,
    InvitationUnusable,
    accept_invitation,
    invite_patient,
    open_invitation,
    revoke_invitation,
)
from bonta.portal.services.invitations import MAX_BIRTH_DATE_MISSES, hash_token
from bonta.records.errors import NotAllowed
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db

ALICE_BORN = date(1985, 5, 17)  # make_patient's default
PASSWORD = "a-long-portal-password"


def accept(token: str, username: str = "alice", **changes: object) -> User:
    fields: dict[str, object] = {
        "birth_date": ALICE_BORN,
        "username": username,
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    fields.update(changes)
    return accept_invitation(token, **fields)  # type: ignore[arg-type]


def test_reception_invites_a_patient_and_only_the_token_hash_is_stored(
    alice: Patient, rita_reception: User
) -> None:
    invitation, token = invite_patient(alice, by=rita_reception)
    assert invitation.token_hash == hash_token(token) != token
    assert token not in str(Invitation.objects.values().get())
    assert invitation.expires_at - invitation.created_at == timedelta(days=INVITATION_DAYS)
    event = AuditEvent.objects.get(action="portal.invite")
    assert (event.actor_id, event.patient_id) == (rita_reception.pk, alice.pk)


def test_a_manager_may_not_invite_and_nothing_is_written(alice: Patient, max_manager: User) -> None:
    with pytest.raises(NotAllowed):
        invite_patient(alice, by=max_manager)
    assert not Invitation.objects.exists()


def test_the_patient_accepts_and_gets_a_patient_account_linked_to_them(
    alice: Patient, nurse_noor: User
) -> None:
    _, token = invite_patient(alice, by=nurse_noor)
    user = accept(token)
    assert user.role == Role.PATIENT
    assert user.password.startswith("argon2")
    assert patient_of(user) == alice
    assert Invitation.objects.get().used_at is not None
    event = AuditEvent.objects.get(action="portal.account.create")
    assert (event.actor_id, event.actor_role, event.patient_id) == (user.pk, "patient", alice.pk)


def test_a_second_use_of_the_link_fails_clearly(alice: Patient, nurse_noor: User) -> None:
    _, token = invite_patient(alice, by=nurse_noor)
    accept(token)
    with pytest.raises(InvitationUnusable, match="already been used"):
        accept(token, username="someone-else")
    assert User.objects.filter(role=Role.PATIENT).count() == 1


def test_an_expired_link_is_refused(alice: Patient, nurse_noor: User) -> None:
    _, token = invite_patient(alice, by=nurse_noor)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvitationUnusable, match="expired"):
        accept(token)
    assert not PortalAccount.objects.exists()


def test_an_unknown_link_is_refused(alice: Patient) -> None:
    with pytest.raises(InvitationUnusable, match="not valid"):
        open_invitation("not-a-real-token")


def test_inviting_again_revokes_the_previous_link(alice: Patient, rita_reception: User) -> None:
    _, first = invite_patient(alice, by=rita_reception)
    _, second = invite_patient(alice, by=rita_reception)
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        accept(first)
    assert patient_of(accept(second)) == alice
    assert AuditEvent.objects.filter(action="portal.invite").last().detail == {"count": 1}


def test_a_withdrawn_invitation_cannot_be_used(alice: Patient, rita_reception: User) -> None:
    _, token = invite_patient(alice, by=rita_reception)
    assert revoke_invitation(alice, by=rita_reception) == 1
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        accept(token)


def test_a_patient_who_already_has_an_account_is_not_invited_again(
    alice: Patient, rita_reception: User
) -> None:
    _, token = invite_patient(alice, by=rita_reception)
    accept(token)
    with pytest.raises(AlreadyHasAccount, match="already has a portal account"):
        invite_patient(alice, by=rita_reception)
    assert Invitation.objects.count() == 1


def test_a_wrong_date_of_birth_is_refused_and_no_account_is_made(
    alice: Patient, rita_reception: User
) -> None:
    _, token = invite_patient(alice, by=rita_reception)
    with pytest.raises(InvalidInput) as refused:
        accept(token, birth_date=date(1990, 1, 1))
    assert refused.value.field == "birth_date"
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert Invitation.objects.get().birth_date_misses == 1


def test_repeated_wrong_dates_of_birth_revoke_the_link(
    alice: Patient, rita_reception: User
) -> None:
    _, token = invite_patient(alice, by=rita_reception)
    for _ in range(MAX_BIRTH_DATE_MISSES):
        with pytest.raises(InvalidInput):
            accept(token, birth_date=date(1990, 1, 1))
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        accept(token)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"username": "has space"}, "username", "letters, digits"),
        ({"username": "  "}, "username", "is required"),
        ({"password": "short", "password_again": "short"}, "password", "too short"),
        ({"password_again": "something-else-entirely"}, "password_again", "differ"),
        ({"username": "dr_grey"}, "username", "is taken"),
        ({"username": "DR_GREY"}, "username", "is taken"),
    ],
)
def test_bad_account_details_are_refused_by_field_and_the_link_stays_usable(
    alice: Patient,
    rita_reception: User,
    dr_grey: User,
    changes: dict[str, object],
    field: str,
    reason: str,
) -> None:
    _, token = invite_patient(alice, by=rita_reception)
    with pytest.raises(InvalidInput) as refused:
        accept(token, **changes)
    assert refused.value.field == field
    assert reason in refused.value.reason
    assert not PortalAccount.objects.exists()
    assert open_invitation(token).patient == alice


def test_patient_of_is_none_for_staff_and_anonymous(dr_grey: User) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert patient_of(dr_grey) is None
    assert patient_of(AnonymousUser()) is None
    assert patient_of(None) is None
