"""What every mapping module shares: references, times, exact numbers, practitioner links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from bonta.accounts.models import Role, User

# One resource as one line of JSON, as json.dumps(resource, ensure_ascii=False) writes it (the C
# encoder, built once): what the read endpoint sends, so the export's lines are the same text.
ENCODE = json.JSONEncoder(ensure_ascii=False).encode

# Staff who appear as Practitioner resources: the clinical roles, and anyone who signed.
PRACTITIONER_ROLES = frozenset({Role.CLINICIAN, Role.NURSE})


def ref(resource_type: str, pk: object) -> dict[str, str]:
    return {"reference": f"{resource_type}/{pk}"}


def instant(value: datetime) -> str:
    """An aware datetime as FHIR instant/dateTime text (UTC, seconds precision or finer)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date) -> str:
    return value.isoformat()


def number(value: Decimal) -> int | float:
    """A Decimal for JSON. Units and volumes carry at most 8 significant digits, well inside the
    15 a double keeps, so the float's shortest repr prints exactly the stored decimal."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def meta(last_updated: datetime | None) -> dict[str, Any]:
    return {"lastUpdated": instant(last_updated)} if last_updated else {}


def practitioner(user: User | None) -> dict[str, str] | None:
    """A reference to a staff user who is a Practitioner resource, else None."""
    if user is None or user.role not in PRACTITIONER_ROLES:
        return None
    return ref("Practitioner", user.pk)


def signer(user: User) -> dict[str, str]:
    """Whoever signed a session is a Practitioner resource, whatever their role is now."""
    return ref("Practitioner", user.pk)


def drop_empty(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty elements: leave out None, "", [] and {} (top level)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def pages(
    rows: QuerySet[Any], fields: tuple[str, ...], size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """`rows` as tuples of `fields` (the first must be "pk"), `size` per query, in id order.
    Keyset paging (id > the last one seen): no open cursor, no OFFSET, memory bounded."""
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        batch = list(page.order_by("pk").values_list(*fields)[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1][0]
