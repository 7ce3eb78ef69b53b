"""History files for `bonta schedule next`: JSON in, a `SignedSession` and its history out.

Format (issue 5)::

    {"on": "2026-06-15", "pathway": "cosmetic", "product": "botox_cosmetic",
     "area": "glabellar_lines",
     "history": [{"date": "2026-01-10", "product": "botox_cosmetic", "units": 20,
                  "area": "glabellar_lines", "wore_off_on": "2026-05-02"}]}

`on`, `pathway`, `product` and `area` describe the session just given, which the next visits
are counted from. `history` lists earlier treatments oldest first (the session itself may be
listed too); `wore_off_on` (optional, or null) is when movement returned.

Pure: no Django, no clock. `parse_schedule_file` checks the JSON shape, types, date format,
units and order of the history, and raises `InvalidInput(field, message)` naming the first bad
field the way the file names it (`history[2].wore_off_on`). Known products and areas, and the
rules between dates, are checked by `bonta.domain.scheduling.next_visits`, so every caller gets
them. The JSON decoding and field types are the plan file's (`bonta.formats.planfile`), so both
files
read numbers and dates alike.
"""

from __future__ import annotations

from bonta.domain.errors import InvalidInput
from bonta.domain.scheduling import AreaTreatment, SignedSession
from bonta.formats.planfile import (
    UNITS_PLACES,
    _array,
    _date,
    _number,
    _object,
    _pathway,
    _string,
    loads_plan,
    read_plan_text,
)

TOP_KEYS = {"on": True, "pathway": True, "product": True, "area": True, "history": True}
HISTORY_KEYS = {
    "date": True,
    "product": True,
    "units": True,
    "area": True,
    "wore_off_on": False,
}


def load_schedule_file(path: str) -> tuple[SignedSession, tuple[AreaTreatment, ...]]:
    """Read, decode and check the history file at `path` (`-` is stdin)."""
    label = "<stdin>" if path == "-" else path
    return parse_schedule_file(loads_plan(read_plan_text(path), label))


def parse_schedule_file(data: object) -> tuple[SignedSession, tuple[AreaTreatment, ...]]:
    """The session and its history from decoded JSON; the history must be oldest first."""
    top = _object(data, "history file", TOP_KEYS, where="")
    session = SignedSession(
        on=_date(top["on"], "on"),
        pathway=_pathway(top["pathway"], "pathway"),
        product=_string(top["product"], "product"),
        area=_string(top["area"], "area"),
    )
    items = _array(top["history"], "history")
    history = tuple(_treatment(item, f"history[{i}]") for i, item in enumerate(items))
    check_oldest_first(history)
    return session, history


def check_oldest_first(history: tuple[AreaTreatment, ...]) -> None:
    """Dates out of order are an error, never silently sorted: the file is likely wrong."""
    for i in range(1, len(history)):
        before, this = history[i - 1].on, history[i].on
        if this < before:
            raise InvalidInput(
                f"history[{i}].date",
                f"{this.isoformat()} is before history[{i - 1}].date {before.isoformat()}: "
                f"list the history oldest first",
            )


def _treatment(data: object, field: str) -> AreaTreatment:
    item = _object(data, field, HISTORY_KEYS)
    wore_off = item.get("wore_off_on")
    return AreaTreatment(
        on=_date(item["date"], f"{field}.date"),
        product=_string(item["product"], f"{field}.product"),
        area=_string(item["area"], f"{field}.area"),
        units=_number(item["units"], f"{field}.units", UNITS_PLACES),
        wore_off_on=None if wore_off is None else _date(wore_off, f"{field}.wore_off_on"),
    )
