"""Staff MFA: TOTP (RFC 6238, via pyotp) with ten one-time recovery codes.

Who must enrol: the roles in `settings.BONTA_MFA_REQUIRED_ROLES` (default clinician and manager:
the roles that sign treatment or manage the clinic); other staff may. Demo accounts are exempt
while BONTA_DEMO is on.

Secrets: the TOTP secret is stored encrypted (Fernet, AES-128-CBC + HMAC-SHA256) under a key
derived from BONTA_MFA_KEY, so a database dump alone does not give the codes away. Recovery codes
are stored as HMAC-SHA256 under another key derived from it (random 60-bit codes: a keyed hash
is enough, and checking one costs nothing). Neither a secret nor a code is ever logged or put in
the audit log; the enrolment page shows the secret once per enrolment, the codes once.

Every enrolment, reset and use of a recovery code is audited (bonta.audit.log.record).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Literal

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import STAFF_ROLES, RecoveryCode, TotpDevice, User
from bonta.audit.log import record

# Session keys: the user who gave the right password and still owes a code, and the mark of a
# session whose sign-in included MFA.
PENDING_SESSION_KEY = "bonta_mfa_pending"
VERIFIED_SESSION_KEY = "bonta_mfa_verified"
PENDING_SECONDS = 300  # the code must follow the password within five minutes

RECOVERY_CODES = 10
STEP_SECONDS = 30  # RFC 6238 default, and what every authenticator app uses
DIGITS = 6
DRIFT_STEPS = 1  # a code from the step before or after is accepted (clock drift)

Method = Literal["totp", "recovery"]


def _derived_key(purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bonta-mfa-" + purpose
    ).derive(settings.BONTA_MFA_KEY.encode())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(b"totp-secret")))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # The key changed (BONTA_MFA_KEY or DATA_DIR/mfa_key replaced): the user must re-enrol.
        raise MfaKeyMismatch from None


class MfaKeyMismatch(Exception):
    """The stored secret was encrypted under another BONTA_MFA_KEY."""


# ---- who must enrol ---------------------------------------------------------------------------


def required_for(user: User) -> bool:
    if user.role not in settings.BONTA_MFA_REQUIRED_ROLES:
        return False
    return not (settings.BONTA_DEMO and user.demo_account)


def may_enrol(user: User) -> bool:
    return user.role in STAFF_ROLES


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enrolled(user: User) -> bool:
    return confirmed_device(user) is not None


def asks_for_code(user: User) -> bool:
    """After the password: a code is asked of anyone enrolled, and of anyone who must enrol."""
    return is_enrolled(user) or required_for(user)


# ---- enrolment --------------------------------------------------------------------------------


def pending_device(user: User) -> TotpDevice:
    """The unconfirmed authenticator being set up (made on first call; same secret on reload)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ValueError("already enrolled")
    if device is None:
        device = TotpDevice.objects.create(
            user=user, secret_encrypted=encrypt_secret(pyotp.random_base32())
        )
    return device


def secret_of(device: TotpDevice) -> str:
    return decrypt_secret(device.secret_encrypted)


def provisioning_uri(user: User, device: TotpDevice) -> str:
    return pyotp.TOTP(secret_of(device), digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=settings.BONTA_CLINIC_NAME
    )


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no external resource)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, border=4, omitsize=False)
    return svg


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Check the first code against the new secret; on success the device is confirmed and ten
    recovery codes are made (returned once, stored hashed). None when the code is wrong."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None or device.confirmed_at is not None:
            return None
        step = _matching_step(secret_of(device), code, after=0)
        if step is None:
            return None
        device.confirmed_at = timezone.now()
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _new_recovery_codes(user)
        record(
            "auth.mfa_enrolled",
            actor=user,
            object_type="user",
            object_id=user.pk,
            detail={"count": len(codes)},
        )
    return codes


def reset(user: User, actor: User | None) -> bool:
    """Forget a user's authenticator and recovery codes (a lost phone): they enrol again at
    their next sign-in. False when there was nothing to forget."""
    with transaction.atomic():
        removed, _ = TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        if removed:
            record("auth.mfa_reset", actor=actor, object_type="user", object_id=user.pk)
    return bool(removed)


# ---- verification -----------------------------------------------------------------------------


def verify(user: User, code: str) -> Method | None:
    """A code from the user's confirmed authenticator, or one of their unused recovery codes.

    Each code works once: a TOTP step no earlier than the last accepted, a recovery code is
    marked used. Returns how the user proved it, or None.
    """
    cleaned = "".join(code.split()).replace("-", "").lower()
    if not cleaned or len(cleaned) > 32:
        return None
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if device is None:
            return None
        if len(cleaned) == DIGITS and cleaned.isdigit():
            step = _matching_step(secret_of(device), cleaned, after=device.last_step)
            if step is None:
                return None
            device.last_step = step
            device.save(update_fields=["last_step"])
            return "totp"
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_code_hash(cleaned), used_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            return None
        record(
            "auth.mfa_recovery_code_used",
            actor=user,
            object_type="user",
            object_id=user.pk,
            detail={"count": remaining_recovery_codes(user)},
        )
        return "recovery"


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _matching_step(secret: str, code: str, *, after: int, now: float | None = None) -> int | None:
    """The time step (within the drift window) whose code this is, if it is later than `after`."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_random_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_code_hash(c.replace("-", ""))) for c in codes
    )
    return codes


_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


def _random_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))  # 12 × log2(31) ≈ 59 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _code_hash(cleaned: str) -> str:
    return hmac.new(_derived_key(b"recovery-code"), cleaned.encode(), hashlib.sha256).hexdigest()
