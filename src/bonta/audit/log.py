"""Write and verify the audit chain.

`record(...)` must run inside the transaction of the change it records (it refuses to run
outside one), so the event and the change commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bonta.audit.models import AuditEvent, ChainHead

GENESIS = "0" * 64
# Keys allowed in `detail`: ids, codes, counts and action names. Anything else (names, dates of
# birth, notes, reasons) is patient data and stays out of the log.
DETAIL_KEYS = frozenset(
    {
        "codes",
        "count",
        "encounter_id",
        "fields",
        "override_codes",
        "pathway",
        "product",
        "protocol",
        "status",
        "type",
        "urgent",
        "vial_id",
        "course_id",
        "token_id",
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
    """Append one event to the chain, inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    detail = dict(detail or {})
    unexpected = set(detail) - DETAIL_KEYS
    if unexpected:
        raise ValueError(f"audit detail keys not allowed: {sorted(unexpected)}")
    head = _locked_head()
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        detail=detail,
        prev_hash=head.hash,
    )
    event.hash = chain_hash(head.hash, event)
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def _locked_head() -> ChainHead:
    try:
        return ChainHead.objects.select_for_update().get(pk=1)
    except ChainHead.DoesNotExist:
        pass
    # First event ever (or after a test flush): create the head; a racing creator loses on
    # the primary key and then waits on the lock like everyone else.
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=1, seq=0, hash=GENESIS)
    except IntegrityError:
        pass
    return ChainHead.objects.select_for_update().get(pk=1)


def canonical(event: AuditEvent) -> str:
    """The event as sorted, compact JSON: the bytes the hash covers."""
    body = {
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
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def verify_chain() -> AuditEvent | None:
    """The first event whose link or hash does not match, or None if the chain is whole."""
    prev_hash, expected_seq = GENESIS, 1
    for event in AuditEvent.objects.order_by("seq").iterator():
        if (
            event.seq != expected_seq
            or event.prev_hash != prev_hash
            or event.hash != chain_hash(prev_hash, event)
        ):
            return event
        prev_hash, expected_seq = event.hash, event.seq + 1
    return None
