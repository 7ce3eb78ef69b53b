"""Plan files: JSON in, a validated `Snapshot` out (format: docs/plan-format.md).

Pure: no Django, no clock, no database. `parse_plan` takes already-decoded JSON (dicts, lists,
str, bool, None and numbers) and raises `InvalidInput(field, message)` naming the first bad
field the way the file names it (`injections[2].units`). `load_plan` reads a path or stdin.
The CLI (`bonta check`) and the web/API layers share both, so a plan means the same everywhere.

Numbers are read as `Decimal` (`loads_plan` never makes a float); a float handed in by another
JSON parser is taken at its shortest repr, so `0.1` means 0.1.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from bonta.domain.anatomy import areas, check_side, get_muscle
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway, Side
from bonta.domain.plan import (
    Injection,
    PastTreatment,
    PatientState,
    Plan,
    Snapshot,
    VialState,
    check_plan_size,
)
from bonta.domain.products import get_product
from bonta.domain.protocols import expand, get_protocol
from bonta.domain.reference import FACTOR_NOUN, load

T = TypeVar("T")
D = TypeVar("D", date, datetime)

VIAL_KEY = "vial"  # a plan file has one vial; every injection draws from it
LOCAL_SOURCE = "local"
# FHIR R4 Patient.gender (AdministrativeGender); the safety engine does not read it.
SEXES = ("female", "male", "other", "unknown")
UNITS_PLACES = 2  # a hundredth of a unit is finer than any syringe marks
DILUENT_PLACES = 3  # microlitres, as bonta.domain.dilution rounds volumes
# Not a clinical limit: it keeps every sum exact in Decimal's 28 digits and catches 1e30.
NUMBER_BELOW = Decimal(1_000_000)
# Not clinical either: outside these years a date is a typo, and label intervals added to or
# taken from it must stay inside the calendar (`date` ends at year 9999).
YEARS = range(1900, 3000)

TOP_KEYS = {
    "at": True,
    "pathway": True,
    "patient": True,
    "history": True,
    "product": True,
    "vial": True,
    "protocol": False,
    "injections": False,
}
PATIENT_KEYS = {
    k: True
    for k in (
        "birth_date",
        "sex",
        "pregnant",
        "breastfeeding",
        "conditions",
        "allergies",
        "medications",
        "infection_sites",
    )
}
HISTORY_KEYS = {
    "date": True,
    "product": True,
    "units": True,
    "pathway": False,  # one of pathway and indication is required
    "indication": False,
    "area": False,
    "muscles": False,
    "source": False,
}
VIAL_KEYS = {k: True for k in ("lot", "expiry", "size_units", "diluent_ml", "reconstituted_at")}
INJECTION_KEYS = {"muscle": True, "side": True, "units": True}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_OFFSET = re.compile(r"Z|[+-]\d{2}:\d{2}")


# ---- loading -------------------------------------------------------------------------------


def load_plan(path: str) -> Snapshot:
    """Read, decode and validate the plan at `path` (`-` is stdin)."""
    return parse_plan(loads_plan(read_plan_text(path), _label(path)))


def read_plan_text(path: str) -> str:
    """The plan file's text; an unreadable, non-UTF-8 or empty file is `InvalidInput`."""
    label = _label(path)
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        raise InvalidInput(label, f"cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(label, f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise InvalidInput(label, "empty file")
    return text


def loads_plan(text: str, label: str = "plan") -> object:
    """Decode JSON with every number as an exact Decimal; duplicate keys are an error."""
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=Decimal,  # NaN and ±Infinity reach the field check, which names them
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as error:
        raise InvalidInput(
            label, f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except _DuplicateKey as error:
        raise InvalidInput(label, f"invalid JSON: key {error.key!r} appears twice") from None
    except RecursionError:
        raise InvalidInput(label, "invalid JSON: nested too deeply") from None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _label(path: str) -> str:
    return "<stdin>" if path == "-" else path


# ---- the plan ------------------------------------------------------------------------------


def parse_plan(data: object) -> Snapshot:
    """Validate a decoded plan and build the snapshot the safety engine checks."""
    top = _object(data, "plan", TOP_KEYS, where="")
    at = _aware_datetime(top["at"], "at")
    pathway = _pathway(top["pathway"], "pathway")
    product = _product(top["product"], "product")
    patient = _patient(top["patient"], on=at.date())
    history = tuple(
        _past_treatment(item, f"history[{i}]")
        for i, item in enumerate(_array(top["history"], "history"))
    )
    vial = _vial(top["vial"], product)
    injections = _injections(top, pathway, product)
    plan = Plan(
        at=at,
        pathway=pathway,
        product=product,
        injections=injections,
        vials={VIAL_KEY: vial},
        protocol=top.get("protocol"),
    )
    # The session's calendar date is the date of `at` in the offset it was written with: a
    # clinic writes its own local time, and local dates are what label intervals count.
    return Snapshot(patient=patient, history=history, plan=plan, on=at.date())


def _injections(top: Mapping[str, Any], pathway: Pathway, product: str) -> tuple[Injection, ...]:
    if "protocol" not in top and "injections" not in top:
        raise InvalidInput("injections", "give a protocol, injections, or both")
    planned: list[Injection] = []
    if "protocol" in top:
        name = _string(top["protocol"], "protocol")
        protocol = get_protocol(name)
        if protocol.pathway is not pathway:
            raise InvalidInput(
                "protocol",
                f"{name} is a {protocol.pathway.value} protocol; the plan's pathway is "
                f"{pathway.value}",
            )
        planned.extend(expand(protocol, product, vial=VIAL_KEY))
    if "injections" in top:
        items = _array(top["injections"], "injections")
        check_plan_size(len(items))
        planned.extend(_injection(item, f"injections[{i}]") for i, item in enumerate(items))
    check_plan_size(len(planned))
    if not planned:
        field = "injections" if "injections" in top else "protocol"
        raise InvalidInput(
            field, "the plan has no injections (a total-only protocol places no points: list them)"
        )
    return tuple(planned)


def _injection(data: object, field: str) -> Injection:
    item = _object(data, field, INJECTION_KEYS)
    muscle = get_muscle(_string(item["muscle"], f"{field}.muscle"), f"{field}.muscle")
    side = _side(item["side"], f"{field}.side")
    check_side(muscle, side, f"{field}.side")
    units = _number(item["units"], f"{field}.units", UNITS_PLACES)
    return Injection(muscle.code, side, units, vial=VIAL_KEY)


def _patient(data: object, on: date) -> PatientState:
    item = _object(data, "patient", PATIENT_KEYS)
    birth_date = _date(item["birth_date"], "patient.birth_date")
    if birth_date > on:
        raise InvalidInput("patient.birth_date", "is after the session date (the date of `at`)")
    sex = _string(item["sex"], "patient.sex")
    if sex not in SEXES:
        raise InvalidInput("patient.sex", f"must be one of {', '.join(SEXES)}, not {sex!r}")
    return PatientState(
        birth_date=birth_date,
        sex=sex,
        pregnant=_bool(item["pregnant"], "patient.pregnant"),
        breastfeeding=_bool(item["breastfeeding"], "patient.breastfeeding"),
        conditions=_factors(item["conditions"], "conditions"),
        allergies=_factors(item["allergies"], "allergies"),
        medications=_factors(item["medications"], "medications"),
        infection_sites=frozenset(
            get_muscle(
                _string(m, f"patient.infection_sites[{i}]"), f"patient.infection_sites[{i}]"
            ).code
            for i, m in enumerate(_array(item["infection_sites"], "patient.infection_sites"))
        ),
    )


def _factors(data: object, kind: str) -> frozenset[str]:
    known: Mapping[str, Any] = load("patient_factors")[kind]
    codes: set[str] = set()
    for i, value in enumerate(_array(data, f"patient.{kind}")):
        field = f"patient.{kind}[{i}]"
        code = _string(value, field)
        if code not in known:
            raise InvalidInput(
                field, f"unknown {FACTOR_NOUN[kind]} {code!r} (known: {', '.join(sorted(known))})"
            )
        codes.add(code)
    return frozenset(codes)


def _past_treatment(data: object, field: str) -> PastTreatment:
    item = _object(data, field, HISTORY_KEYS)
    pathway, indication = _given_for(item, field)
    muscles: frozenset[str] | None = None
    if "area" in item and "muscles" in item:
        raise InvalidInput(f"{field}.muscles", "give area or muscles, not both")
    if "area" in item:
        if pathway is None:
            raise InvalidInput(
                f"{field}.area",
                "an area belongs to one of Bonta's pathways; name the muscles of another "
                "indication with `muscles`",
            )
        code = _string(item["area"], f"{field}.area")
        area = areas().get(code)
        if area is None:
            known = ", ".join(sorted(areas()))
            raise InvalidInput(f"{field}.area", f"unknown treatment area {code!r} (known: {known})")
        if area.pathway is not pathway:
            raise InvalidInput(
                f"{field}.area",
                f"{code} is a {area.pathway.value} area; the record's pathway is {pathway.value}",
            )
        muscles = area.muscles
    elif "muscles" in item:
        listed = _array(item["muscles"], f"{field}.muscles")
        if not listed:
            raise InvalidInput(
                f"{field}.muscles", "must name at least one muscle (omit it when not known)"
            )
        muscles = frozenset(
            get_muscle(_string(m, f"{field}.muscles[{i}]"), f"{field}.muscles[{i}]").code
            for i, m in enumerate(listed)
        )
    elif pathway is Pathway.CHRONIC_MIGRAINE:
        # A migraine session is the PREEMPT paradigm over the whole head and neck area.
        muscles = areas()["chronic_migraine"].muscles
    source = LOCAL_SOURCE
    if "source" in item:
        source = _string(item["source"], f"{field}.source")
        if not source.strip():
            raise InvalidInput(f"{field}.source", "must not be empty (omit it for 'local')")
    return PastTreatment(
        on=_date(item["date"], f"{field}.date"),
        product=_product(item["product"], f"{field}.product"),
        units=_number(item["units"], f"{field}.units", UNITS_PLACES),
        pathway=pathway,
        muscles=muscles,
        source=source,
        indication=indication,
    )


def _given_for(item: Mapping[str, Any], field: str) -> tuple[Pathway | None, str | None]:
    """The record's pathway, or the other indication it names (free text): exactly one."""
    if "pathway" in item and "indication" in item:
        raise InvalidInput(f"{field}.indication", "give pathway or indication, not both")
    if "indication" in item:
        text = _string(item["indication"], f"{field}.indication").strip()
        if not text:
            raise InvalidInput(f"{field}.indication", "must not be empty")
        return None, text
    if "pathway" not in item:
        raise InvalidInput(
            f"{field}.pathway",
            "is required (or `indication` for a record outside Bonta's pathways)",
        )
    return _pathway(item["pathway"], f"{field}.pathway"), None


def _vial(data: object, product: str) -> VialState:
    item = _object(data, "vial", VIAL_KEYS)
    diluent = item["diluent_ml"]
    reconstituted = item["reconstituted_at"]
    return VialState(
        product=product,
        lot=_string(item["lot"], "vial.lot"),  # may be empty: the engine blocks (lot_missing)
        expiry=_date(item["expiry"], "vial.expiry"),
        size_units=_number(item["size_units"], "vial.size_units", UNITS_PLACES),
        diluent_ml=(
            None if diluent is None else _number(diluent, "vial.diluent_ml", DILUENT_PLACES)
        ),
        reconstituted_at=(
            None
            if reconstituted is None
            else _aware_datetime(reconstituted, "vial.reconstituted_at")
        ),
    )


# ---- field types ---------------------------------------------------------------------------


def _object(
    data: object, field: str, keys: Mapping[str, bool], where: str | None = None
) -> dict[str, Any]:
    """A JSON object with only `keys` (True = required); `where` prefixes key names."""
    prefix = f"{field}." if where is None else where
    if not isinstance(data, dict):
        raise InvalidInput(field, f"must be a JSON object, not {_json_type(data)}")
    for key in data:
        if key not in keys:
            raise InvalidInput(
                f"{prefix}{key}" if key.isidentifier() else f"{field}",
                f"unknown key {key!r} (allowed: {', '.join(keys)})",
            )
    for key, required in keys.items():
        if required and key not in data:
            raise InvalidInput(f"{prefix}{key}", "is required")
    return data


def _array(data: object, field: str) -> list[Any]:
    if not isinstance(data, list):
        raise InvalidInput(field, f"must be a JSON array, not {_json_type(data)}")
    return data


def _string(data: object, field: str) -> str:
    if not isinstance(data, str):
        raise InvalidInput(field, f"must be a string, not {_json_type(data)}")
    return data


def _bool(data: object, field: str) -> bool:
    if not isinstance(data, bool):
        raise InvalidInput(field, f"must be true or false, not {_json_type(data)}")
    return data


def _number(data: object, field: str, places: int) -> Decimal:
    """A finite number > 0 and below NUMBER_BELOW with at most `places` decimal places."""
    wanted = "must be a number greater than 0"
    if isinstance(data, bool) or not isinstance(data, int | float | Decimal | str):
        raise InvalidInput(field, f"{wanted}, not {_json_type(data)}")
    if isinstance(data, str):
        raise InvalidInput(field, f'{wanted}, not a string (write 5, not "5")')
    # An int is exact as it is; a float is taken at its shortest repr (0.1 means 0.1).
    value = Decimal(repr(data)) if isinstance(data, float) else Decimal(data)
    if not value.is_finite():
        raise InvalidInput(field, f"{wanted}, not {value}")
    if value <= 0:
        raise InvalidInput(field, f"{wanted}, not {value}")
    if value >= NUMBER_BELOW:
        raise InvalidInput(field, f"must be below {NUMBER_BELOW} (not a plausible amount)")
    if _decimal_places(value) > places:
        raise InvalidInput(field, f"must have at most {places} decimal places, not {value}")
    return value


def _decimal_places(value: Decimal) -> int:
    """Places after the point once trailing zeros are dropped; exact for any precision."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: checked by the caller
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0") or "0")
    return max(0, -(exponent + trailing))


def _date(data: object, field: str) -> date:
    text = _string(data, field)
    if not _DATE.fullmatch(text):
        raise InvalidInput(field, f"must be a date written YYYY-MM-DD, not {text!r}")
    return _in_years(_parsed(date.fromisoformat, text, field, "is not a calendar date"), field)


def _aware_datetime(data: object, field: str) -> datetime:
    """An ISO 8601 date and time with a UTC offset: 2025-03-01T10:30:00+01:00 or …Z."""
    text = _string(data, field)
    shape = _DATETIME.match(text)
    if shape is None or not (text[shape.end() :] == "" or _OFFSET.fullmatch(text[shape.end() :])):
        raise InvalidInput(
            field, f"must be a date and time like 2025-03-01T10:30:00+01:00, not {text!r}"
        )
    if shape.end() == len(text):
        raise InvalidInput(
            field, f"must carry a UTC offset (such as +01:00 or Z); {text!r} has none"
        )
    parsed = _parsed(datetime.fromisoformat, text, field, "is not a valid date and time")
    return _in_years(parsed, field)


def _in_years(value: D, field: str) -> D:
    if value.year not in YEARS:
        raise InvalidInput(field, f"must be in the years {YEARS[0]} to {YEARS[-1]}")
    return value


def _parsed(parse: Callable[[str], T], text: str, field: str, message: str) -> T:
    try:
        return parse(text)
    except ValueError:
        raise InvalidInput(field, f"{message}: {text!r}") from None


def _pathway(data: object, field: str) -> Pathway:
    text = _string(data, field)
    try:
        return Pathway(text)
    except ValueError:
        known = ", ".join(p.value for p in Pathway)
        raise InvalidInput(field, f"unknown pathway {text!r} (known: {known})") from None


def _side(data: object, field: str) -> Side:
    text = _string(data, field)
    try:
        return Side(text)
    except ValueError:
        known = ", ".join(s.value for s in Side)
        raise InvalidInput(field, f"unknown side {text!r} (known: {known})") from None


def _product(data: object, field: str) -> str:
    return get_product(_string(data, field), field).code


def _json_type(data: object) -> str:
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float | Decimal):
        return "a number"
    if isinstance(data, str):
        return "a string"
    if isinstance(data, list):
        return "an array"
    if isinstance(data, dict):
        return "an object"
    return type(data).__name__
