"""Validate a resource against FHIR R4 4.0.1 with `fhir.resources` 5.1.1 (the last release whose
models are R4 4.0.1 itself; 7.x and later carry R5 and R4B 4.3.0 only).

That release checks structure: known elements only, types, cardinality, required elements,
one choice of each `[x]`, and dates. It does not check the primitive types' regular
expressions, so `check_primitives` applies the R4 ones (hl7.org/fhir/R4/datatypes.html) to
every id, code, date, dateTime, instant, uri and string, walking the model's element table.
"""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.fhirabstractbase import FHIRAbstractBase
from fhir.resources.fhirelementfactory import FHIRElementFactory

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
PRIMITIVES = {
    "id": re.compile(r"[A-Za-z0-9\-.]{1,64}"),
    "code": re.compile(r"[^\s]+(\s[^\s]+)*"),
    "date": re.compile(rf"{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?"),
    "dateTime": re.compile(
        rf"{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T{_TIME}{_ZONE})?)?)?"
    ),
    "instant": re.compile(rf"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T{_TIME}{_ZONE}"),
    "uri": re.compile(r"\S+"),
    "canonical": re.compile(r"\S+"),
    "string": re.compile(r"(?s).*\S.*"),
    "markdown": re.compile(r"(?s).*\S.*"),
}


def validate(resource: dict[str, Any]) -> FHIRAbstractBase:
    """The resource as a strict fhir.resources model; raises on anything R4 refuses."""
    model = FHIRElementFactory.instantiate(resource["resourceType"], resource)
    check_primitives(model, resource, resource["resourceType"])
    assert model.as_json() == resource, "the model dropped or changed elements"
    return model


def check_primitives(model: FHIRAbstractBase, data: dict[str, Any], path: str) -> None:
    for name, jsname, _typ, type_name, is_list, _, _ in model.elementProperties():
        if jsname not in data:
            continue
        values = data[jsname] if is_list else [data[jsname]]
        children = getattr(model, name)
        children = children if is_list else [children]
        for index, (value, child) in enumerate(zip(values, children, strict=True)):
            where = f"{path}.{jsname}[{index}]" if is_list else f"{path}.{jsname}"
            if type_name in PRIMITIVES:
                assert isinstance(value, str), where
                assert PRIMITIVES[type_name].fullmatch(value), f"{where}: {value!r}"
            elif isinstance(child, FHIRAbstractBase):
                check_primitives(child, value, where)
