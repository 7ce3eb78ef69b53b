"""Invite a patient to the portal, and accept an invitation (which creates the patient's account).

An invitation is a one-time link staff hand over (printed or read out). Only the sha256 of its
256-bit random token is stored, so a database copy cannot be used to sign up. A link:

- expires INVITATION_DAYS after it was made (a product decision, not a clinical one);
- is revoked when the patient is invited again (one open invitation per patient);
- is consumed when the account is created: a second use fails, and says so;
- asks for the patient's date of birth too, so a lost link alone does not open the record;
  after MAX_BIRTH_DATE_MISSES wrong dates the link is revoked and staff must invite again.

Everything is audited, with the inviting staff member or (on accepting) the new patient user
as actor, and no patient data in the detail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.db.prepared import Statement, field_of
from bonta.domain.errors import DomainError, InvalidInput
from bonta.portal.models import Invitation, PortalAccount
from bonta.records.models import Patient
from bonta.records.services._common import require_role

INVITE = frozenset({Role.CLINICIAN, Role.NURSE, Role.RECEPTION})  # who may invite patients
INVITATION_DAYS = 14  # how long a link stays usable (product decision)
MAX_BIRTH_DATE_MISSES = 5  # wrong dates of birth before the link is revoked
USERNAME_MAX = 150  # django.contrib.auth's username column


class InvitationUnusable(DomainError):
    """The link is unknown, used, revoked or expired; `message` says which, safely."""


class AlreadyHasAccount(DomainError):
    """The patient already has a portal account: there is nothing to invite them to."""


def hash_token(token: str) -> str:
    # 256 random bits: a plain sha256 is enough (as for API keys); no salt or slow hash needed.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PortalStatus:
    """What the chart's portal panel shows about one patient."""

    account: PortalAccount | None
    invitation: Invitation | None  # the open (unused, unrevoked) one, possibly expired
    now: datetime

    @property
    def invitation_expired(self) -> bool:
        return self.invitation is not None and self.invitation.expires_at <= self.now


def portal_status(patient: Patient) -> PortalStatus:
    """The patient's account and open invitation (a loader; the chart's read is audited)."""
    accounts = _ACCOUNT.run(patient_id=patient.pk)
    invitations = _OPEN_INVITATION.run(patient_id=patient.pk)
    return PortalStatus(
        account=accounts[0] if accounts else None,
        invitation=invitations[0] if invitations else None,
        now=timezone.now(),
    )


# The chart's portal panel, on every chart view (compiled once: bonta.db.prepared).
_ACCOUNT: Statement[PortalAccount] = Statement(
    lambda patient_id: (
        PortalAccount.objects.select_related("user")
        .filter(patient_id=patient_id)
        .order_by("pk")[:1]
    ),
    patient_id=field_of(PortalAccount, "patient"),
)
_OPEN_INVITATION: Statement[Invitation] = Statement(
    lambda patient_id: Invitation.objects.filter(
        patient_id=patient_id, used_at__isnull=True, revoked_at__isnull=True
    ).order_by("pk")[:1],
    patient_id=field_of(Invitation, "patient"),
)


def invite_patient(patient: Patient, *, by: User) -> tuple[Invitation, str]:
    """Make a new one-time link for `patient`, revoking any open one; returns it with its token.

    The token is shown once (to hand to the patient) and never stored.
    """
    require_role(by, INVITE, "invite patients to the portal")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if PortalAccount.objects.filter(patient=patient).exists():
            raise AlreadyHasAccount(
                "This patient already has a portal account; they sign in at /portal/login/."
            )
        revoked = Invitation.objects.filter(
            patient=patient, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            patient=patient,
            token_hash=hash_token(token),
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        record(
            "portal.invite",
            actor=by,
            object_type="portal_invitation",
            object_id=invitation.pk,
            patient_id=patient.pk,
            detail={"count": revoked},  # invitations this one replaced
        )
    return invitation, token


def revoke_invitation(patient: Patient, *, by: User) -> int:
    """Revoke the patient's open invitation, if any; returns how many were revoked (0 or 1)."""
    require_role(by, INVITE, "revoke portal invitations")
    with transaction.atomic():
        open_ones = list(
            Invitation.objects.select_for_update().filter(
                patient=patient, used_at__isnull=True, revoked_at__isnull=True
            )
        )
        for invitation in open_ones:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            record(
                "portal.invite.revoke",
                actor=by,
                object_type="portal_invitation",
                object_id=invitation.pk,
                patient_id=patient.pk,
            )
    return len(open_ones)


def open_invitation(token: str, now: datetime | None = None) -> Invitation:
    """The usable invitation behind `token`, or InvitationUnusable saying why not."""
    invitation = (
        Invitation.objects.select_related("patient").filter(token_hash=hash_token(token)).first()
    )
    _check_usable(invitation, now or timezone.now())
    assert invitation is not None  # for mypy: _check_usable raised otherwise
    return invitation


def _check_usable(invitation: Invitation | None, now: datetime) -> None:
    if invitation is None:
        raise InvitationUnusable("This invitation link is not valid. Please ask the clinic.")
    if invitation.used_at is not None:
        raise InvitationUnusable(
            "This invitation has already been used. Sign in at /portal/login/, "
            "or ask the clinic for a new invitation."
        )
    if invitation.revoked_at is not None:
        raise InvitationUnusable(
            "This invitation has been withdrawn. Please ask the clinic for a new one."
        )
    if invitation.expires_at <= now:
        raise InvitationUnusable(
            f"This invitation expired on {timezone.localdate(invitation.expires_at)}. "
            "Please ask the clinic for a new one."
        )


def accept_invitation(
    token: str,
    *,
    birth_date: date | None,
    username: str,
    password: str,
    password_again: str,
) -> User:
    """Create the patient's portal account from a usable invitation, and consume it.

    Raises InvitationUnusable (link no longer usable), InvalidInput naming the field (bad date
    of birth, username or password; nothing written except the count of wrong dates of birth).
    """
    name = _username(username)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("patient")
            .filter(token_hash=hash_token(token))
            .first()
        )
        _check_usable(invitation, timezone.now())
        assert invitation is not None
    if birth_date is None:
        raise InvalidInput("birth_date", "is required")
    if birth_date != invitation.patient.birth_date:
        _count_birth_date_miss(invitation)
        raise InvalidInput(
            "birth_date", "does not match the clinic's record. Please check it and try again."
        )
    if password != password_again:
        raise InvalidInput("password_again", "the two passwords differ")
    user = User(username=name, role=Role.PATIENT)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput("password", " ".join(error.messages)) from None
    user.set_password(password)  # Argon2 (settings.PASSWORD_HASHERS); slow, so outside the lock
    try:
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            _check_usable(invitation, timezone.now())  # again: another tab may have used it
            if PortalAccount.objects.filter(patient_id=invitation.patient_id).exists():
                raise InvitationUnusable("This patient already has a portal account.")
            if User.objects.filter(username__iexact=name).exists():
                raise InvalidInput("username", "is taken; please choose another")
            user.save()
            account = PortalAccount.objects.create(user=user, patient_id=invitation.patient_id)
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
            record(
                "portal.account.create",
                actor=user,
                object_type="portal_account",
                object_id=account.pk,
                patient_id=invitation.patient_id,
            )
    except IntegrityError:  # a simultaneous sign-up took the username or the patient
        raise InvalidInput("username", "is taken; please choose another") from None
    return user


def _count_birth_date_miss(invitation: Invitation) -> None:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        locked.birth_date_misses += 1
        fields = ["birth_date_misses"]
        if locked.birth_date_misses >= MAX_BIRTH_DATE_MISSES:
            locked.revoked_at = timezone.now()
            fields.append("revoked_at")
        locked.save(update_fields=fields)
        record(
            "portal.invite.birth_date_mismatch",
            actor=None,
            object_type="portal_invitation",
            object_id=locked.pk,
            patient_id=locked.patient_id,
            detail={
                "count": locked.birth_date_misses,
                "status": "revoked" if locked.revoked_at else "open",
            },
        )


def _username(value: str) -> str:
    name = str(value or "").strip()
    if not name:
        raise InvalidInput("username", "is required")
    if len(name) > USERNAME_MAX:
        raise InvalidInput("username", f"must be at most {USERNAME_MAX} characters")
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        raise InvalidInput(
            "username", "may contain only letters, digits and @ . + - _ (no spaces)"
        ) from None
    return name
