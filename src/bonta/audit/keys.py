"""The audit chain's key: 32 random bytes in a file outside the database.

`settings.BONTA_AUDIT_KEY_FILE` (default DATA_DIR/audit_key) names the file. It is created on
first use, atomically and with mode 0600 (two processes starting at once end up with the same
key), and read once per process. The key never appears in a log, an exception or an event.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from django.conf import settings

KEY_BYTES = 32
_cache: dict[str, bytes] = {}


class AuditKeyError(Exception):
    """The key file exists but cannot be used (wrong size, not hex)."""


def key_path() -> Path:
    return Path(settings.BONTA_AUDIT_KEY_FILE)


def audit_key() -> bytes:
    """The key, creating the file on first use."""
    path = key_path()
    cached = _cache.get(str(path))
    if cached is not None:
        return cached
    if not path.exists():
        _create(path)
    key = _read(path)
    _cache[str(path)] = key
    return key


def forget_key() -> None:
    """Drop the cached key (after a restore replaced the file, and in tests)."""
    _cache.clear()


def _create(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place: the link fails if
    another process got there first, and nobody ever reads a half-written key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(KEY_BYTES) + "\n")
        with contextlib.suppress(FileExistsError):  # another process won: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    refusal = f"{path} is not an audit key (expected {KEY_BYTES * 2} hex digits)"
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise AuditKeyError(refusal) from None
    if len(key) != KEY_BYTES:
        raise AuditKeyError(refusal)
    return key
