"""Write audit events (how they are sealed into the chain: `bonta.audit.sealer`; hashed and
verified: `bonta.audit.chain`).

`record(...)` must run inside the transaction of the change it records (it refuses to run
outside one), so the event and the change commit or roll back together. It writes the event
*unsealed* — no chain position yet, so no lock on the chain head: concurrent requests never
queue behind each other here — with a mark (HMAC of its content) that makes an edit before
sealing detectable. The sealer links committed events into the chain within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bonta.audit.chain import CURRENT, unsealed_mark, verify
from bonta.audit.keys import audit_key
from bonta.audit.models import AuditEvent

# Keys allowed in `detail`: ids, codes, counts and action names. Anything else (names, dates of
# birth, notes, reasons) is patient data and stays out of the log.
DETAIL_KEYS = frozenset(
    {
        "changes",  # safety flags: {flag: {"before": codes/bool, "after": codes/bool}}
        "codes",
        "count",
        "counts",  # FHIR bulk export: resources written per type
        "encounter_id",
        "fields",
        "kind",
        "override_codes",
        "reason_code",  # an override's coded reason (domain.overrides.REASONS), never its note
        "signer_id",  # the clinician who signed an override (a user id)
        "countersigner_id",  # the second clinician who countersigned it (a user id)
        "pathway",
        "product",
        "protocol",
        "status",
        "type",
        "urgent",
        "vial_id",
        "course_id",
        "token_id",
        "version",  # consent document version number
        "channel",  # consent channel: tablet or portal
        "area",  # photo: a treatment-area code (glabellar_lines …)
        "view",  # photo: rest or max_contraction
        "shown",  # one_read_event: the parts a page showed, each {action, object_type, …}
    }
)


def record(
    action: str,
    *,
    actor: Any | None,
    object_type: str,
    object_id: object = "",
    patient_id: object | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one event, unsealed, inside the caller's transaction (sealed within seconds)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    detail = dict(detail or {})
    unexpected = set(detail) - DETAIL_KEYS
    if unexpected:
        raise ValueError(f"audit detail keys not allowed: {sorted(unexpected)}")
    event = AuditEvent(
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        detail=detail,
        chain=CURRENT,
    )
    if _folded(event):  # inside one_read_event: kept for its one write, returned unsaved
        return event
    pending = _PENDING.get()
    if pending is not None:  # an audited read's snapshot: written when the read has ended
        pending.append(event)
        return event
    _append(event)
    return event


def _append(event: AuditEvent) -> None:
    """Write `event` unsealed: its mark (HMAC of its content) makes an edit before sealing
    detectable."""
    event.mark = unsealed_mark(event, audit_key())
    event.save(force_insert=True)


# ---- reads: a snapshot, then the event ---------------------------------------------------------

_Pending = list[AuditEvent]
_PENDING: ContextVar[_Pending | None] = ContextVar("bonta_audit_pending", default=None)


@contextmanager
def audited_read() -> Iterator[None]:
    """A transaction for code that only reads patient data and records that it did.

    PostgreSQL (or inside a transaction already): `transaction.atomic()`, the events written
    in it as usual. SQLite, outermost: the reads run in a read-only snapshot
    (`bonta.db.sqlite3.read_only`: no write lock held while the page is built, so readers in
    other processes and sign-offs do not queue behind it; a write attempted in it fails), and
    the events recorded in the block are written when it has ended, in one short transaction
    of their own, before the caller returns anything: a read whose event cannot be written
    fails. Nothing is written if the block raises.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    from bonta.db.sqlite3.base import read_only

    pending: _Pending = []
    token = _PENDING.set(pending)
    try:
        with read_only(), transaction.atomic():
            yield
    finally:
        _PENDING.reset(token)
    if pending:
        with transaction.atomic():
            for event in pending:
                _append(event)


# ---- one event per page read -----------------------------------------------------------------


@dataclass
class _Reading:
    """The events a page's parts recorded so far, to be written as one (see one_read_event)."""

    patient_id: str
    actor_id: object
    events: list[dict[str, Any]] = field(default_factory=list)


_READING: ContextVar[_Reading | None] = ContextVar("bonta_audit_reading", default=None)


@contextmanager
def one_read_event(*, actor: Any | None, patient_id: object) -> Iterator[None]:
    """Within this block, this actor's audited reads of this patient become one event.

    For a page that reads one patient's record in several parts (the chart and its panels):
    instead of one chain append per part, the first event recorded inside the block is written
    when the block ends, with `detail["shown"]` listing every later part (action, object and
    detail). Still inside the caller's transaction: enter it inside `transaction.atomic()`, so
    the event commits or rolls back with the page's reads. Events about another patient, or by
    another actor, are appended on their own as usual. Nothing is written if the block raises.
    """
    reading = _Reading(patient_id=str(patient_id), actor_id=getattr(actor, "pk", None))
    token = _READING.set(reading)
    try:
        yield
    finally:
        _READING.reset(token)
    if not reading.events:
        return
    first, *rest = reading.events
    detail = dict(first["detail"])
    if rest:
        detail["shown"] = [
            {
                "action": part["action"],
                "object_type": part["object_type"],
                "object_id": part["object_id"],
                **part["detail"],
            }
            for part in rest
        ]
    record(
        first["action"],
        actor=actor,
        object_type=first["object_type"],
        object_id=first["object_id"],
        patient_id=patient_id,
        detail=detail,
    )


def _folded(event: AuditEvent) -> bool:
    """Inside one_read_event, for its patient and actor: keep the event for the one write
    (True: the caller returns it unsaved, no seq, no hash); otherwise False, appended as usual."""
    reading = _READING.get()
    if (
        reading is None
        or event.patient_id is None
        or str(event.patient_id) != reading.patient_id
        or event.actor_id != reading.actor_id
    ):
        return False
    reading.events.append(
        {
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "detail": event.detail,
        }
    )
    return True


def verify_chain() -> int | None:
    """The first bad sequence number, or None if the chain is whole (`chain.verify` says why)."""
    result = verify()
    return None if result.ok else result.first_bad_seq
