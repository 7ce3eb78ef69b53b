"""The audit log: append-only, hash-chained. Ids and action names only — never patient data.

An event is written *unsealed* (`seq`, `prev_hash` and `hash` empty, `mark` set) inside the
transaction of the change it records; the sealer (`bonta.audit.sealer`) later links it into
the chain by setting those three once. The database allows exactly that one UPDATE (audit
migration 0005) and refuses every other change and every DELETE.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise AuditLogIsAppendOnly("audit events are append-only")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse


class AuditEvent(models.Model):
    """Who did what to which record, when. `hash` chains it to the event before it; how, by
    `chain` version, is `bonta.audit.chain` (1: sha256, before keyed hashing; 2: HMAC-SHA256).
    Until sealed, `mark` (HMAC of the content) makes an edit detectable."""

    id = models.BigAutoField(primary_key=True)  # the order events were written in
    seq = models.BigIntegerField(null=True, unique=True)  # chain position 1, 2, 3 …; None: unsealed
    at = models.DateTimeField()
    actor_id = models.UUIDField(null=True)  # no FK: the log outlives any user row
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(null=True, db_index=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, null=True)  # noqa: DJ001 - None: unsealed
    hash = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001 - None: unsealed
    chain = models.PositiveSmallIntegerField(default=2)  # bonta.audit.chain.CURRENT
    # HMAC(key, content) written with the event (bonta.audit.chain.unsealed_mark); None on events
    # from before audit 0005, which were sealed as they were written.
    mark = models.CharField(max_length=64, null=True)  # noqa: DJ001

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        where = f"#{self.seq}" if self.seq is not None else f"unsealed id {self.id}"
        return f"audit {where} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    delete = _refuse  # type: ignore[assignment]


class ChainHead(models.Model):
    """One row, locked by every sealing batch so two sealers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, default="")  # HMAC(key, seq, hash): bonta.audit.chain

    def __str__(self) -> str:
        return f"chain head #{self.seq}"
