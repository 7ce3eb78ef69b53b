"""Muscles, treatment areas and injection points, read from `reference/anatomy.toml`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway, Side
from bonta.domain.reference import load


@dataclass(frozen=True, slots=True)
class Muscle:
    code: str
    name: str
    sides: frozenset[Side]
    snomed: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    pathway: Pathway
    muscles: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class Point:
    code: str
    muscle: str
    side: Side
    view: str
    x: int
    y: int


@cache
def muscles() -> Mapping[str, Muscle]:
    return {
        code: Muscle(
            code, m["name"], frozenset(Side(s) for s in m["sides"]), m.get("snomed"), m["source"]
        )
        for code, m in load("anatomy")["muscles"].items()
    }


@cache
def areas() -> Mapping[str, Area]:
    return {
        code: Area(code, a["name"], Pathway(a["pathway"]), frozenset(a["muscles"]), a["source"])
        for code, a in load("anatomy")["areas"].items()
    }


@cache
def points() -> Mapping[str, Point]:
    return {
        code: Point(code, p["muscle"], Side(p["side"]), p["view"], int(p["x"]), int(p["y"]))
        for code, p in load("anatomy")["points"].items()
    }


@cache
def areas_by_muscle(pathway: Pathway) -> Mapping[str, str]:
    """Muscle code → the treatment area it belongs to on this pathway."""
    return {m: a.code for a in areas().values() if a.pathway is pathway for m in a.muscles}


def area_of(pathway: Pathway, muscle: str) -> str | None:
    """The treatment area a muscle belongs to on this pathway, if any."""
    return areas_by_muscle(pathway).get(muscle)


def get_muscle(code: str, field: str = "muscle") -> Muscle:
    try:
        return muscles()[code]
    except KeyError:
        raise InvalidInput(field, f"unknown muscle {code!r}") from None


def get_area(code: str, field: str = "area") -> Area:
    try:
        return areas()[code]
    except KeyError:
        raise InvalidInput(field, f"unknown treatment area {code!r}") from None


def get_point(code: str, field: str = "point") -> Point:
    try:
        return points()[code]
    except KeyError:
        raise InvalidInput(field, f"unknown injection point {code!r}") from None


def check_side(muscle: Muscle, side: Side, field: str = "side") -> None:
    if side not in muscle.sides:
        allowed = ", ".join(sorted(s.value for s in muscle.sides))
        raise InvalidInput(field, f"{muscle.name} is injected {allowed}, not {side.value}")


def areas_of(pathway: Pathway, muscles: Iterable[str]) -> list[str]:
    """The treatment areas these muscles belong to on the pathway, sorted."""
    return sorted({a for m in muscles if (a := area_of(pathway, m)) is not None})
