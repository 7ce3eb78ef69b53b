"""TOTP (RFC 6238) codes, replay and drift, encrypted secrets, one-time hashed recovery codes."""

from __future__ import annotations

import base64
import time

import pyotp
import pytest

from bonta.accounts import mfa
from bonta.accounts.models import RecoveryCode, Role, TotpDevice, User

# RFC 6238 appendix B, SHA-1: the secret is the ASCII "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("at", "code"), RFC_VECTORS)
def test_codes_match_the_rfc_6238_test_vectors(at: int, code: str) -> None:
    assert pyotp.TOTP(RFC_SECRET, digits=8, interval=30).at(at) == code
    # Bonta asks for 6 digits: the same HOTP value, truncated to its last six.
    assert mfa._matching_step(RFC_SECRET, code[-6:], after=0, now=at) == at // 30


def test_a_code_from_the_next_or_previous_step_is_accepted_but_not_two_steps_away() -> None:
    totp = pyotp.TOTP(RFC_SECRET)
    now = 1234567890
    assert mfa._matching_step(RFC_SECRET, totp.at(now - 30), after=0, now=now) is not None
    assert mfa._matching_step(RFC_SECRET, totp.at(now + 30), after=0, now=now) is not None
    assert mfa._matching_step(RFC_SECRET, totp.at(now - 60), after=0, now=now) is None
    assert mfa._matching_step(RFC_SECRET, totp.at(now + 60), after=0, now=now) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 56x"])
def test_malformed_codes_never_match(code: str) -> None:
    assert mfa._matching_step(RFC_SECRET, code, after=0, now=59) is None


@pytest.fixture
def clinician(db: None) -> User:
    return User.objects.create_user("drmfa", password="a-long-test-password", role=Role.CLINICIAN)


def enrol(user: User) -> list[str]:
    device = mfa.pending_device(user)
    codes = mfa.confirm_enrolment(user, pyotp.TOTP(mfa.secret_of(device)).now())
    assert codes is not None
    return codes


def test_the_secret_is_stored_encrypted_and_reads_back(clinician: User) -> None:
    device = mfa.pending_device(clinician)
    secret = mfa.secret_of(device)
    stored = TotpDevice.objects.get(user=clinician).secret_encrypted
    assert secret not in stored
    assert len(secret) >= 32  # 160 bits in base32
    assert mfa.pending_device(clinician).pk == device.pk  # a reload shows the same secret


def test_a_secret_under_another_key_is_refused_not_misread(clinician: User, settings) -> None:
    device = mfa.pending_device(clinician)
    settings.BONTA_MFA_KEY = "another-key"
    with pytest.raises(mfa.MfaKeyMismatch):
        mfa.secret_of(device)


def test_enrolment_needs_the_right_first_code(clinician: User) -> None:
    device = mfa.pending_device(clinician)
    wrong = str((int(pyotp.TOTP(mfa.secret_of(device)).now()) + 1) % 1_000_000).zfill(6)
    assert mfa.confirm_enrolment(clinician, wrong) is None
    assert not mfa.is_enrolled(clinician)
    assert RecoveryCode.objects.count() == 0


def test_ten_recovery_codes_are_stored_only_as_hashes_and_each_works_once(
    clinician: User,
) -> None:
    codes = enrol(clinician)
    assert len(codes) == len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=clinician).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)
    assert mfa.verify(clinician, codes[0].upper()) == "recovery"  # typed in capitals: fine
    assert mfa.verify(clinician, codes[0]) is None  # once only
    assert mfa.remaining_recovery_codes(clinician) == 9


def test_a_totp_code_is_accepted_once(clinician: User) -> None:
    enrol(clinician)
    device = TotpDevice.objects.get(user=clinician)
    code = pyotp.TOTP(mfa.secret_of(device)).at(time.time() + 30)
    assert mfa.verify(clinician, code) == "totp"
    assert mfa.verify(clinician, code) is None  # replayed


def test_reset_forgets_the_authenticator_and_the_codes(clinician: User) -> None:
    enrol(clinician)
    assert mfa.reset(clinician, actor=None)
    assert not mfa.is_enrolled(clinician)
    assert not RecoveryCode.objects.filter(user=clinician).exists()
    assert not mfa.reset(clinician, actor=None)


def test_who_must_enrol(settings, mfa_required: None, db: None) -> None:
    clinician = User(username="c", role=Role.CLINICIAN)
    assert mfa.required_for(clinician)
    assert mfa.required_for(User(username="m", role=Role.MANAGER))
    assert not mfa.required_for(User(username="n", role=Role.NURSE))
    assert not mfa.required_for(User(username="p", role=Role.PATIENT))
    demo = User(username="clinician", role=Role.CLINICIAN, demo_account=True)
    assert mfa.required_for(demo)  # demo mode is off by default
    settings.BONTA_DEMO = True
    assert not mfa.required_for(demo)
    assert mfa.required_for(clinician)  # demo mode exempts only the flagged demo accounts
    settings.BONTA_MFA_REQUIRED_ROLES = frozenset({"nurse"})
    assert not mfa.required_for(clinician)
