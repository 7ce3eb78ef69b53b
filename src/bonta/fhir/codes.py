"""Code systems: the few published codes the reference verifies, and Bonta's own.

Bonta's code systems live under one canonical base, `settings.BONTA_FHIR_BASE` (or the
environment variable of that name; default `https://bonta.example/fhir`): the system of the
muscle codes is `{base}/CodeSystem/muscle`, and each is readable as a CodeSystem resource at
`/fhir/R4/CodeSystem/{id}`. Choose the base once, before exchanging any record: it is part of
every coding sent, so changing it later changes the identity of every code.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models

from bonta.appointments.models import AppointmentKind, ReasonCode
from bonta.consent.models import ConsentKind
from bonta.domain.anatomy import areas, muscles
from bonta.domain.headache.questionnaires import INSTRUMENT_LABELS, Instrument
from bonta.domain.pathways import Pathway, Side
from bonta.domain.products import all_products
from bonta.domain.reference import load
from bonta.records.models import AdverseEventSeverity, AdverseEventType

DEFAULT_BASE = "https://bonta.example/fhir"

# A bulk export builds millions of the same few codings: within `memoized()` (per thread) each
# distinct coding, concept and system address is built once and the same object is reused.
# The callers never mutate what these return, so the output is the same with or without it.
_local = threading.local()


@contextmanager
def memoized() -> Iterator[None]:
    """Build each distinct coding once while the block runs (in this thread only)."""
    outer = getattr(_local, "memo", None)
    _local.memo = {} if outer is None else outer
    try:
        yield
    finally:
        _local.memo = outer


def _memo(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    memo: dict[tuple[Any, ...], Any] | None = getattr(_local, "memo", None)
    if memo is None:
        return build()
    found = memo.get(key)
    if found is None:
        found = memo[key] = build()
    return found


def base() -> str:
    """The canonical base of Bonta's code systems and identifiers (no trailing slash)."""
    memo = getattr(_local, "memo", None)
    if memo is not None:
        found = memo.get(("base",))
        if found is None:
            found = memo[("base",)] = _base()
        return str(found)
    return _base()


def _base() -> str:
    configured = getattr(settings, "BONTA_FHIR_BASE", None) or os.environ.get("BONTA_FHIR_BASE")
    return str(configured or DEFAULT_BASE).rstrip("/")


def system(name: str) -> str:
    """The address of one of Bonta's code systems (`name` must be in CODE_SYSTEMS)."""
    if name not in CODE_SYSTEMS:
        raise KeyError(f"no Bonta code system {name!r}")
    return str(_memo(("system", name), lambda: f"{base()}/CodeSystem/{name}"))


def identifier_system(name: str) -> str:
    """The namespace of a clinic-local identifier (record numbers, staff usernames)."""
    return f"{base()}/identifier/{name}"


def coding(name: str, code: str) -> dict[str, str]:
    """A Coding in one of Bonta's code systems, with its display."""
    return _memo(("coding", name, code), lambda: _coding(name, code))  # type: ignore[no-any-return]


def _coding(name: str, code: str) -> dict[str, str]:
    concepts = CODE_SYSTEMS[name].concepts()
    if code not in concepts:
        raise KeyError(f"{code!r} is not a code of the Bonta code system {name!r}")
    return {"system": system(name), "code": code, "display": concepts[code]}


def concept(name: str, code: str, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept holding one Bonta coding."""
    return _memo(("concept", name, code, text), lambda: _concept(name, code, text))  # type: ignore[no-any-return]


def _concept(name: str, code: str, text: str | None) -> dict[str, Any]:
    found = coding(name, code)
    return {"coding": [found], "text": text or found["display"]}


# ---- published terminologies (domain/reference/terminology.toml) -----------------------------


@cache
def _terminology() -> dict[str, Any]:
    return load("terminology")


def published(name: str) -> dict[str, str]:
    """A verified external coding from terminology.toml (`name` is its [codes] key)."""
    entry = _terminology()["codes"][name]
    uri = _terminology()["systems"][entry["system"]]["uri"]
    return {"system": uri, "code": entry["code"], "display": entry["display"]}


def snomed_uri() -> str:
    return str(_terminology()["systems"]["snomed"]["uri"])


def muscle_codings(code: str) -> list[dict[str, str]]:
    """Bonta's muscle coding, and SNOMED CT's where the reference verifies one."""
    return _memo(("muscle", code), lambda: _muscle_codings(code))  # type: ignore[no-any-return]


def _muscle_codings(code: str) -> list[dict[str, str]]:
    muscle = muscles()[code]
    found = [coding("muscle", code)]
    if muscle.snomed:
        found.append({"system": snomed_uri(), "code": muscle.snomed, "display": muscle.name})
    return found


# ---- Bonta's own code systems ----------------------------------------------------------------


@dataclass(frozen=True)
class CodeSystemSpec:
    id: str
    title: str
    description: str
    _concepts: Callable[[], Mapping[str, str]]

    def concepts(self) -> Mapping[str, str]:
        return self._concepts()


def unit_display(unit_system: str) -> str:
    """How a dose in one product's units is labelled: units of two systems never add up."""
    return f"U ({unit_system})"


def _units() -> dict[str, str]:
    return {p.unit_system: unit_display(p.unit_system) for p in all_products().values()}


def _choices(model_choices: type[models.TextChoices]) -> Callable[[], dict[str, str]]:
    return lambda: {str(value): str(label) for value, label in model_choices.choices}


OBSERVATIONS = {
    "hit6-total": f"{INSTRUMENT_LABELS[Instrument.HIT6]} total score",
    "midas-total": f"{INSTRUMENT_LABELS[Instrument.MIDAS]} total score (days, last 3 months)",
    "fws": "Facial Wrinkle Scale grade (0 none, 1 mild, 2 moderate, 3 severe)",
    "fws-at-rest": "Facial Wrinkle Scale grade at rest",
    "fws-at-max-contraction": "Facial Wrinkle Scale grade at maximum contraction",
}

_SPECS = (
    CodeSystemSpec(
        "product",
        "Bonta BoNT-A products",
        "The botulinum toxin type A products Bonta knows (domain/reference/products.toml).",
        lambda: {code: p.display for code, p in all_products().items()},
    ),
    CodeSystemSpec(
        "unit",
        "Bonta product unit systems",
        "Each product's own units. Units of different systems are not interchangeable and are "
        "never added, compared or converted; a dose says whose units it counts.",
        _units,
    ),
    CodeSystemSpec(
        "muscle",
        "Bonta muscles",
        "Muscles injected (domain/reference/anatomy.toml); SNOMED CT is sent beside these only "
        "where Bonta's clinical reference verifies a code.",
        lambda: {code: m.name for code, m in muscles().items()},
    ),
    CodeSystemSpec(
        "laterality",
        "Bonta sides",
        "The side of an injection point.",
        lambda: {s.value: s.value.capitalize() for s in Side},
    ),
    CodeSystemSpec(
        "area",
        "Bonta treatment areas",
        "Treatment areas (glabellar lines, the chronic-migraine head and neck …).",
        lambda: {code: a.name for code, a in areas().items()},
    ),
    CodeSystemSpec(
        "pathway",
        "Bonta pathways",
        "The two pathways, kept apart: cosmetic and chronic migraine.",
        lambda: {p.value: p.label for p in Pathway},
    ),
    CodeSystemSpec(
        "procedure",
        "Bonta procedures",
        "Procedures Bonta records (SNOMED CT's code for botulinum toxin injection is unverified).",
        lambda: {"bont-a-injection": "Botulinum toxin type A injection session"},
    ),
    CodeSystemSpec(
        "encounter-class",
        "Bonta encounter classes",
        "Where a visit happens.",
        lambda: {"clinic-visit": "Outpatient clinic visit"},
    ),
    CodeSystemSpec(
        "adverse-event-type",
        "Bonta adverse event types",
        "Adverse events recorded after BoNT-A.",
        _choices(AdverseEventType),
    ),
    CodeSystemSpec(
        "adverse-event-severity",
        "Bonta adverse event severity",
        "Severity as the recording clinician graded it.",
        _choices(AdverseEventSeverity),
    ),
    CodeSystemSpec(
        "adverse-event-seriousness",
        "Bonta adverse event seriousness",
        "Whether the recording clinician marked the event serious.",
        lambda: {"serious": "Serious", "non-serious": "Non-serious"},
    ),
    CodeSystemSpec(
        "observation",
        "Bonta observations",
        "Outcome measures: HIT-6 and MIDAS totals (LOINC codes unverified), Facial Wrinkle "
        "Scale grades.",
        lambda: dict(OBSERVATIONS),
    ),
    CodeSystemSpec(
        "rater",
        "Bonta raters",
        "Who graded a Facial Wrinkle Scale assessment.",
        lambda: {"investigator": "Clinician (investigator)", "patient": "Patient (self-rating)"},
    ),
    CodeSystemSpec(
        "consent-kind",
        "Bonta consent kinds",
        "The consent documents Bonta keeps, one per kind and version.",
        _choices(ConsentKind),
    ),
    CodeSystemSpec(
        "consent-scope",
        "Bonta consent scopes",
        "What a consent covers.",
        lambda: {"treatment": "Treatment", "photography": "Clinical photographs"},
    ),
    CodeSystemSpec(
        "appointment-kind",
        "Bonta appointment kinds",
        "Why a visit is booked.",
        _choices(AppointmentKind),
    ),
    CodeSystemSpec(
        "appointment-reason",
        "Bonta appointment change reasons",
        "Why an appointment was moved or cancelled.",
        _choices(ReasonCode),
    ),
)
CODE_SYSTEMS: Mapping[str, CodeSystemSpec] = {spec.id: spec for spec in _SPECS}
