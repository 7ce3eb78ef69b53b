"""An attacker with database access: changes rows behind the models' and triggers' backs.

PostgreSQL: `session_replication_role = replica` (a superuser's switch) turns row triggers off
for the statements inside. SQLite has no such switch, but anyone who can write the file can
drop a trigger: the triggers are dropped and re-created around the statements, inside the
test's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from bonta.audit.chain import LEGACY, canonical
from bonta.audit.models import AuditEvent

WRONG_KEY = b"not the clinic's key, a guess...."


@contextmanager
def behind_the_back() -> Iterator[Any]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield cursor
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        yield cursor
        for _name, sql in triggers:
            cursor.execute(sql)


def sql(statement: str, params: list[object] | None = None) -> None:
    with behind_the_back() as cursor:
        cursor.execute(statement, params or [])


def forged_hash(prev_hash: str, event: AuditEvent, key: bytes = WRONG_KEY) -> str:
    message = (prev_hash + canonical(event)).encode()
    if event.chain == LEGACY:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def rewrite_from(seq: int, *, chain: int | None = None, **changes: object) -> None:
    """Change event `seq`, then recompute every later hash and the head, as well as the
    attacker can without the key (a guessed key; or `chain=1`, the unkeyed hash, for all)."""
    events = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    prev_hash = events[0].prev_hash
    with behind_the_back() as cursor:
        for event in events:
            if event.seq == seq:
                for name, value in changes.items():
                    setattr(event, name, value)
            if chain is not None:
                event.chain = chain
            event.prev_hash = prev_hash
            event.hash = forged_hash(prev_hash, event)
            cursor.execute(
                "UPDATE audit_auditevent SET actor_role = %s, action = %s, prev_hash = %s, "
                "hash = %s, chain = %s WHERE seq = %s",
                [event.actor_role, event.action, event.prev_hash, event.hash, event.chain,
                 event.seq],
            )  # fmt: skip
            prev_hash = event.hash
        cursor.execute(
            "UPDATE audit_chainhead SET hash = %s, mac = %s WHERE id = 1",
            [prev_hash, hmac.new(WRONG_KEY, prev_hash.encode(), hashlib.sha256).hexdigest()],
        )
