"""The audit chain's hashing, verification and checkpoints: the one module that decides whether
the log is whole.

Each event stores `prev_hash` (the hash of the event before it, GENESIS for #1) and `hash`:

- chain version 1 (LEGACY, events written before keyed hashing):
  `sha256(prev_hash + canonical(event))`;
- chain version 2 (KEYED, everything since): `HMAC-SHA256(key, prev_hash + canonical(event))`,
  where canonical JSON also covers the version, so an event cannot be "downgraded" to 1.

The key lives outside the database (`bonta.audit.keys`), so someone who can write SQL but not
read the server's files cannot rewrite an event and recompute the hashes after it. Legacy
events may only form a prefix of the chain, sealed by a keyed `audit.rekey` event that names
how many there are (migration audit 0003 appends it), so rewriting the whole chain as legacy
events is detected too.

The chain head (one row, updated with every append) carries `mac = HMAC(key, seq, hash)`: an
attacker who deletes the last events cannot move the head back without the key, so deleting
the last event is detected. What no database-only check can detect — the whole chain and head
replaced by an older copy — a checkpoint kept elsewhere does: `make_checkpoint()` exports the
head signed with the key, and `verify(checkpoint=...)` proves that nothing at or before it was
rewritten or deleted.

**Unsealed events** (audit 0005): an event is written without a chain position, carrying
`mark = HMAC(key, content)`, and the sealer (`bonta.audit.sealer`) links it into the chain
seconds later. The database refuses every change to an unsealed row except the one sealing
UPDATE, and every DELETE; the mark also makes an edit by someone who got past the triggers
but has no key detectable, before (the sealer refuses to seal it) and after sealing is due.
`verify` walks the sealed chain as before and then reports the unsealed window: how many,
the oldest one's age, and the first whose mark does not match. A checkpoint covers sealed
events only (the head), never the unsealed window.

API: `event_hash`, `head_mac`, `unsealed_mark` (used when writing and sealing),
`verify(...) -> VerifyResult`, `make_checkpoint()`, `Checkpoint.from_json`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.utils import timezone

from bonta.audit.keys import audit_key
from bonta.audit.models import AuditEvent, ChainHead

GENESIS = "0" * 64
LEGACY = 1
KEYED = 2
CURRENT = KEYED
REKEY_ACTION = "audit.rekey"
CHECKPOINT_FORMAT = "bonta-audit-checkpoint"
CHECKPOINT_VERSION = 1


class EventLike(Protocol):
    seq: int | None
    at: datetime
    actor_id: Any
    actor_role: str
    action: str
    object_type: str
    object_id: str
    patient_id: Any
    detail: Any
    prev_hash: str | None
    hash: str | None
    chain: int


# ---- hashing -------------------------------------------------------------------------------


def canonical(event: EventLike) -> str:
    """The event as sorted, compact JSON: the bytes the hash covers (legacy events: unchanged
    from before keyed hashing, so their stored hashes still match)."""
    body: dict[str, Any] = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_id": str(event.patient_id) if event.patient_id else None,
        "detail": event.detail,
    }
    if event.chain != LEGACY:
        body["chain"] = event.chain
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, event: EventLike, key: bytes | None = None) -> str:
    """The hash `event` must carry after `prev_hash`, by its chain version."""
    message = (prev_hash + canonical(event)).encode()
    if event.chain == LEGACY:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key if key is not None else audit_key(), message, hashlib.sha256).hexdigest()


def unsealed_mark(event: EventLike, key: bytes | None = None) -> str:
    """The mark an event carries from the moment it is written: HMAC over its content (the
    canonical JSON without a chain position), so an unsealed event cannot be edited unseen."""
    body = json.loads(canonical(event))
    body.pop("seq", None)
    message = "bonta-audit-unsealed:" + json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(
        key if key is not None else audit_key(), message.encode(), hashlib.sha256
    ).hexdigest()


def head_mac(seq: int, hash_: str, key: bytes | None = None) -> str:
    """The mark the chain head carries: only the key holder can move the head."""
    message = f"bonta-audit-head:{seq}:{hash_}".encode()
    return hmac.new(key if key is not None else audit_key(), message, hashlib.sha256).hexdigest()


# ---- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of one verification: `ok`, or the first bad sequence number and why."""

    ok: bool
    events: int  # events checked (1 … head_seq)
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""
    checkpoint_seq: int | None = None
    unsealed: int = 0  # events written but not yet in the chain (sealed within seconds)
    oldest_unsealed_at: datetime | None = None
    checked_at: datetime | None = None

    @property
    def unsealed_age(self) -> timedelta | None:
        """How long the oldest unsealed event has waited (minutes: is the sealer running?)."""
        if self.oldest_unsealed_at is None or self.checked_at is None:
            return None
        return max(self.checked_at - self.oldest_unsealed_at, timedelta(0))

    def window(self) -> str:
        """The unsealed window, for the report line."""
        age = self.unsealed_age
        if not self.unsealed or age is None:
            return "unsealed: none"
        seconds = int(age.total_seconds())
        plural = "" if self.unsealed == 1 else "s"
        return f"unsealed: {self.unsealed} event{plural}, oldest {seconds} s old"

    def line(self) -> str:
        """One line for a person or a cron mail."""
        if self.ok:
            against = (
                f"; checkpoint #{self.checkpoint_seq} matches"
                if self.checkpoint_seq is not None
                else ""
            )
            return (
                f"audit chain intact: {self.events} events, head #{self.head_seq}{against}; "
                f"{self.window()}"
            )
        return f"audit chain broken at event #{self.first_bad_seq}: {self.reason}"


@dataclass(frozen=True)
class Checkpoint:
    """A signed head: the chain had `seq` events ending in `hash` at `at`."""

    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    mac: str

    @staticmethod
    def body(seq: int, hash_: str, at: str) -> str:
        return json.dumps(
            {
                "format": CHECKPOINT_FORMAT,
                "version": CHECKPOINT_VERSION,
                "seq": seq,
                "hash": hash_,
                "at": at,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def sign(cls, seq: int, hash_: str, at: str, key: bytes | None = None) -> Checkpoint:
        mac = hmac.new(
            key if key is not None else audit_key(),
            cls.body(seq, hash_, at).encode(),
            hashlib.sha256,
        ).hexdigest()
        return cls(seq=seq, hash=hash_, at=at, mac=mac)

    def to_json(self) -> str:
        document = json.loads(self.body(self.seq, self.hash, self.at))
        document["mac"] = self.mac
        document["mac_algorithm"] = "hmac-sha256"
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, key: bytes | None = None) -> Checkpoint:
        """Parse and check a checkpoint file; CheckpointInvalid names what is wrong."""
        try:
            document = json.loads(text)
        except ValueError:
            raise CheckpointInvalid("not JSON") from None
        if not isinstance(document, dict) or document.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointInvalid(f"not a {CHECKPOINT_FORMAT} file")
        if document.get("version") != CHECKPOINT_VERSION:
            raise CheckpointInvalid(f"unknown version {document.get('version')!r}")
        seq = document.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise CheckpointInvalid("seq must be a whole number")
        hash_, at, mac = (_text(document, name) for name in ("hash", "at", "mac"))
        expected = cls.sign(seq, hash_, at, key)
        if not hmac.compare_digest(expected.mac, mac):
            raise CheckpointInvalid("its signature does not match this clinic's audit key")
        return expected


def _text(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise CheckpointInvalid(f"{name} is missing")
    return value


class CheckpointInvalid(Exception):
    """A checkpoint file that cannot be trusted (unreadable, or its signature fails)."""


def _broken(
    seq: int, reason: str, checked: int, head: tuple[int, str] = (0, GENESIS)
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        events=checked,
        head_seq=head[0],
        head_hash=head[1],
        first_bad_seq=seq,
        reason=reason,
    )


def read_head() -> tuple[int, str, str] | None:
    """The stored head (seq, hash, mac), or None before the first event."""
    row = ChainHead.objects.filter(pk=1).values_list("seq", "hash", "mac").first()
    return None if row is None else (row[0], row[1], row[2])


def verify(
    *,
    checkpoint: Checkpoint | None = None,
    key: bytes | None = None,
    events: Iterable[EventLike] | None = None,
) -> VerifyResult:
    """Check the whole chain (as of its head when verification starts).

    Finds the first event that was edited, inserted or deleted — the last ones included — and,
    given a checkpoint, whether anything at or before it was rewritten or removed. `events`
    replaces reading the sealed events from the table (for tests); it must be in seq order.
    Then the unsealed window (`_unsealed_window`): its size and age, and any edited event.
    """
    key = key if key is not None else audit_key()
    # The largest sealed seq first, then the head: a sealing batch writes both in one
    # transaction, so a seq beyond the head read afterwards was written without moving it.
    sealed = AuditEvent.objects.filter(seq__isnull=False)
    last_stored = sealed.order_by("-seq").values_list("seq", flat=True).first() or 0
    head = read_head()
    head_missing = head is None and last_stored > 0
    if head is None:  # before the first event; or removed, which the walk's end reports
        head = (last_stored, "", "") if head_missing else (0, GENESIS, head_mac(0, GENESIS, key))
    head_seq, head_hash, mac = head
    here = (head_seq, head_hash)

    # 1. Every event up to the head, in order: the first one that is wrong is the answer.
    if events is None:
        events = sealed.filter(seq__lte=head_seq).order_by("seq").iterator(2000)
    prev_hash, expected, legacy, keyed_seen, checked = GENESIS, 1, 0, False, 0
    for event in events:
        if event.seq is None or event.seq > head_seq:
            break
        if event.seq != expected:
            return _broken(expected, f"event #{expected} is missing", checked, here)
        if event.prev_hash != prev_hash:
            return _broken(event.seq, "it does not link to the event before it", checked, here)
        if event.chain == LEGACY:
            if keyed_seen:
                return _broken(event.seq, "an unkeyed event after keyed ones", checked, here)
            legacy += 1
        elif event.chain == KEYED:
            if legacy and not keyed_seen and not _seals(event, legacy):
                return _broken(
                    event.seq,
                    f"the {legacy} unkeyed events before it are not sealed",
                    checked,
                    here,
                )
            keyed_seen = True
        else:
            return _broken(event.seq, f"unknown chain version {event.chain}", checked, here)
        if not hmac.compare_digest(event_hash(prev_hash, event, key), event.hash):
            return _broken(event.seq, "its hash does not match its content", checked, here)
        if checkpoint is not None and event.seq == checkpoint.seq and event.hash != checkpoint.hash:
            return _broken(event.seq, "it differs from the checkpoint", checked, here)
        prev_hash, expected, checked = event.hash, event.seq + 1, checked + 1
    if legacy and not keyed_seen:
        return _broken(1, f"{legacy} unkeyed events with no keyed seal after them", checked, here)

    # 2. The end of the chain: nothing missing before the head, nothing beyond it, and a head
    # only the key holder can have moved.
    if head_missing:
        return _broken(head_seq, "the chain head is missing", checked, (head_seq, prev_hash))
    if expected <= head_seq:
        return _broken(
            expected, f"event #{expected} is missing (head at #{head_seq})", checked, here
        )
    if prev_hash != head_hash:
        return _broken(head_seq, "the chain head does not match the last event", checked, here)
    if not hmac.compare_digest(head_mac(head_seq, head_hash, key), mac):
        return _broken(
            head_seq,
            "the chain head's key mark does not match (moved without the key)",
            checked,
            here,
        )
    if last_stored > head_seq:
        return _broken(
            head_seq + 1, f"event #{head_seq + 1} lies beyond the chain head", checked, here
        )

    # 3. A checkpoint kept elsewhere: the chain still reaches it (the walk matched its hash).
    if checkpoint is not None:
        if checkpoint.seq > head_seq:
            return _broken(
                head_seq + 1,
                f"event #{head_seq + 1} is missing (checkpoint at #{checkpoint.seq}, head at "
                f"#{head_seq})",
                checked,
                here,
            )
        if checkpoint.seq == 0 and checkpoint.hash != GENESIS:
            return _broken(1, "the checkpoint does not match the start of the chain", checked, here)

    # 4. The unsealed window: every event not yet in the chain still carries its own mark.
    count, oldest, bad_id = _unsealed_window(key)
    window = {"unsealed": count, "oldest_unsealed_at": oldest, "checked_at": timezone.now()}
    if bad_id is not None:
        return VerifyResult(
            ok=False,
            events=checked,
            head_seq=head_seq,
            head_hash=head_hash,
            first_bad_seq=head_seq + 1,
            reason=f"unsealed event id {bad_id} was changed after it was written "
            "(its mark does not match)",
            **window,  # type: ignore[arg-type]
        )
    return VerifyResult(
        ok=True,
        events=checked,
        head_seq=head_seq,
        head_hash=head_hash,
        checkpoint_seq=checkpoint.seq if checkpoint else None,
        **window,  # type: ignore[arg-type]
    )


def _unsealed_window(key: bytes) -> tuple[int, datetime | None, int | None]:
    """(how many unsealed events, the oldest one's time, the id of the first whose mark does
    not match its content, or None)."""
    count, oldest, bad = 0, None, None
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id").iterator(2000):
        count += 1
        oldest = event.at if oldest is None else min(oldest, event.at)
        if bad is None and not mark_matches(event, key):
            bad = event.id
    return count, oldest, bad


def mark_matches(event: AuditEvent, key: bytes) -> bool:
    """Whether an event still has the content it was written with."""
    return event.mark is not None and hmac.compare_digest(unsealed_mark(event, key), event.mark)


def _seals(event: EventLike, legacy: int) -> bool:
    detail = event.detail if isinstance(event.detail, dict) else {}
    return event.action == REKEY_ACTION and detail.get("count") == legacy


def make_checkpoint(key: bytes | None = None) -> tuple[Checkpoint | None, VerifyResult]:
    """Verify, then sign the head; no checkpoint (None) of a chain that is already broken."""
    result = verify(key=key)
    if not result.ok:
        return None, result
    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    return Checkpoint.sign(result.head_seq, result.head_hash, at, key), result
