"""The clinic's passport signing key: Ed25519, made on first use, kept under BONTA_DATA_DIR.

`DATA_DIR/passport/clinic-ed25519.pem` (PKCS#8, unencrypted, mode 0600, directory 0700). Two
processes starting at once cannot end up with different keys: the key is written to a private
temporary file and hard-linked into place, which fails if another process got there first.
Back it up with the database: a lost key means passports already issued can no longer be told
apart from forgeries by other clinics once they trust a new key.
"""

from __future__ import annotations

import base64
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings

from bonta.passport.codec import fingerprint, key_id, raw_public

FILE_NAME = "clinic-ed25519.pem"


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "passport" / FILE_NAME


def clinic_key() -> Ed25519PrivateKey:
    return _load(str(key_path()))


@cache
def _load(path_text: str) -> Ed25519PrivateKey:
    path = Path(path_text)
    if not path.exists():
        _create(path)
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 private key")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink()


def public_key() -> Ed25519PublicKey:
    return clinic_key().public_key()


def public_key_text(public: Ed25519PublicKey | None = None) -> str:
    """The raw 32-byte public key, base64url without padding (what a manager pastes)."""
    raw = raw_public(public or public_key())
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def parse_public_key(text: str) -> Ed25519PublicKey:
    cleaned = "".join(str(text or "").split())
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError("must be the 43-character base64url Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw)


def own_key_id() -> str:
    return key_id(public_key()).hex()


def own_fingerprint() -> str:
    return fingerprint(public_key())
