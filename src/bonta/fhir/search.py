"""Search: parse the parameters a resource type supports, run them, page the result.

A bad value is a `SearchError` naming the parameter (400). An unknown parameter is ignored
and reported as a warning, or refused when the client asks for strict handling.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.utils import timezone

from bonta.fhir.codes import identifier_system
from bonta.fhir.resources import COMMON_PARAMS, ResourceType, Source

DEFAULT_COUNT = 20
MAX_COUNT = 100
ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# FHIR date/dateTime search values: YYYY, YYYY-MM, YYYY-MM-DD, or a full time with a zone.
DATE_VALUE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<zone>Z|[+-]\d{2}:\d{2}))?)?)?"
)
PREFIXES = ("eq", "ge", "gt", "le", "lt")
IGNORED = frozenset({"_format"})  # handled by the view


class SearchError(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass
class Search:
    kind: ResourceType
    count: int = DEFAULT_COUNT
    offset: int = 0
    ids: list[str] | None = None
    patient: uuid.UUID | None = None
    dates: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    updated: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    identifier: tuple[str | None, str] | None = None
    unknown: list[str] = field(default_factory=list)
    echo: list[tuple[str, str]] = field(default_factory=list)  # the parameters applied


def parse(kind: ResourceType, query: Mapping[str, Sequence[str]]) -> Search:
    search = Search(kind)
    known = set(kind.params) | set(COMMON_PARAMS)
    for name, values in query.items():
        if name in IGNORED:
            continue
        if name not in known:
            search.unknown.append(name)
            continue
        for value in values:
            _apply(search, name, value)
            if name != "_offset":
                search.echo.append((name, value))
    return search


def _apply(search: Search, name: str, value: str) -> None:
    if name == "_count":
        search.count = min(_integer(name, value), MAX_COUNT)
    elif name == "_offset":
        search.offset = _integer(name, value)
    elif name == "_id":
        ids = [v.strip() for v in value.split(",")]
        for one in ids:
            if not ID_PATTERN.fullmatch(one):
                raise SearchError(name, f"{one!r} is not a FHIR id")
        search.ids = ids if search.ids is None else [i for i in search.ids if i in ids]
    elif name == "patient":
        search.patient = _patient(name, value)
    elif name == "date":
        search.dates.append(date_range(name, value))
    elif name == "_lastUpdated":
        search.updated.append(date_range(name, value))
    elif name == "identifier":
        system, bar, code = value.rpartition("|")
        if not code:
            raise SearchError(name, "needs a value (`system|value` or `value`)")
        search.identifier = (system if bar else None, code)


def _integer(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,9}", value):
        raise SearchError(name, f"must be a whole number of 0 or more, not {value!r}")
    return int(value)


def _patient(name: str, value: str) -> uuid.UUID:
    kind, slash, pk = value.rpartition("/")
    if slash and kind != "Patient":
        raise SearchError(name, f"must reference a Patient, not {kind or 'nothing'!r}")
    try:
        return uuid.UUID(pk)
    except ValueError:
        raise SearchError(name, f"{pk!r} is not a Bonta patient id") from None


def date_range(name: str, raw: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end): the value as the half-open interval it stands for."""
    prefix, value = (raw[:2], raw[2:]) if raw[:2].isalpha() else ("eq", raw)
    if prefix not in PREFIXES:
        known = ", ".join(PREFIXES)
        raise SearchError(name, f"prefix {prefix!r} is not supported (supported: {known})")
    match = DATE_VALUE.fullmatch(value)
    if not match:
        raise SearchError(
            name, f"{value!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a full dateTime)"
        )
    local = timezone.get_default_timezone()
    try:
        year, month, day_ = (int(match[k] or 1) for k in ("year", "month", "day"))
        if match["time"]:
            start = datetime.fromisoformat(f"{value[:10]}T{match['time']}{_zone(match['zone'])}")
            step = _precision(match["time"])
            return prefix, start, start + step
        start = datetime.combine(date(year, month, day_), time(), local)
    except ValueError:
        raise SearchError(name, f"{value!r} is not a real date") from None
    if match["day"]:
        end = start + timedelta(days=1)
    elif match["month"]:
        end = start.replace(year=year + month // 12, month=month % 12 + 1)
    else:
        end = start.replace(year=year + 1)
    return prefix, start, end


def _zone(zone: str) -> str:
    return "+00:00" if zone == "Z" else zone


def _precision(clock: str) -> timedelta:
    if "." in clock:
        return timedelta(microseconds=1)
    return timedelta(seconds=1) if clock.count(":") == 2 else timedelta(minutes=1)


def _range_q(path: str, prefix: str, start: Any, end: Any) -> Q:
    if prefix == "eq":
        return Q(**{f"{path}__gte": start, f"{path}__lt": end})
    if prefix == "ge":
        return Q(**{f"{path}__gte": start})
    if prefix == "gt":
        return Q(**{f"{path}__gte": end})
    if prefix == "le":
        return Q(**{f"{path}__lt": end})
    return Q(**{f"{path}__lt": start})  # lt


def _as_day(value: datetime, upper: bool) -> date:
    """An interval bound on a date column: the local day, rounded outwards."""
    local = timezone.localtime(value, timezone.get_default_timezone())
    if upper and local.time() != time():
        return local.date() + timedelta(days=1)
    return local.date()


def filtered(search: Search, source: Source) -> QuerySet[Any] | None:
    """The source's rows the search selects; None when it can select none."""
    rows = source.rows()
    if search.ids is not None:
        pks = []
        for one in search.ids:
            if not one.startswith(source.id_prefix):
                continue
            try:
                pks.append(uuid.UUID(one[len(source.id_prefix) :]))
            except ValueError:
                continue  # a FHIR id, but none of ours: matches nothing
        if not pks:
            return None
        rows = rows.filter(pk__in=pks)
    if search.patient is not None and source.patient:
        rows = rows.filter(**{source.patient: search.patient})
    for prefix, start, end in search.dates:
        assert source.date
        if source.date_is_day:
            rows = rows.filter(
                _range_q(source.date, prefix, _as_day(start, False), _as_day(end, True))
            )
        else:
            rows = rows.filter(_range_q(source.date, prefix, start, end))
    if search.updated:
        rows = rows.annotate(fhir_last_updated=source.last_updated)
        for prefix, start, end in search.updated:
            rows = rows.filter(_range_q("fhir_last_updated", prefix, start, end))
    if search.identifier is not None:
        system, value = search.identifier
        if system not in (None, identifier_system("record-number")):
            return None
        rows = rows.filter(record_number=value)
    return rows


def run(search: Search) -> tuple[int, list[dict[str, Any]]]:
    """(total, this page's resources). Queries: one count per source, one page of keys when
    there are several sources, one fetch per source (plus its prefetches): never per row."""
    sets = [(s, q) for s in search.kind.sources if (q := filtered(search, s)) is not None]
    total = sum(q.count() for _, q in sets)
    if search.count == 0 or not sets:
        return total, []
    window = slice(search.offset, search.offset + search.count)
    if len(sets) == 1:
        source, rows = sets[0]
        return total, [source.to_fhir(r) for r in rows.order_by(source.order, "pk")[window]]
    keys = None
    for index, (source, rows) in enumerate(sets):
        tag = Value(str(index), output_field=CharField())
        part = (
            rows.order_by()
            .annotate(fhir_order=F(source.order), fhir_tag=tag)
            .values_list("fhir_order", "pk", "fhir_tag")
        )
        keys = part if keys is None else keys.union(part, all=True)
    assert keys is not None
    page = list(keys.order_by("fhir_order", "pk")[window])
    fetched: dict[tuple[str, str], dict[str, Any]] = {}
    for index, (source, rows) in enumerate(sets):
        wanted = [pk for _, pk, tag in page if tag == str(index)]
        if wanted:
            for row in rows.filter(pk__in=wanted):
                fetched[(str(index), str(row.pk))] = source.to_fhir(row)
    return total, [fetched[(tag, str(pk))] for _, pk, tag in page]
