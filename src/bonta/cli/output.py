"""Output and exit codes shared by every `bonta` command."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bonta.domain.units import format_units
from bonta.formats.exactjson import dumps

EXIT_OK = 0
EXIT_BLOCKED = 1  # check: a finding blocks; serve/demo: the command failed
EXIT_INVALID = 2  # invalid input or usage
EXIT_BUG = 3  # an unexpected error inside bonta: a bug, please report it

Json = Any  # what `exactjson.dumps` writes: dict, list, str, int, bool, None and Decimal


def print_json(value: Json) -> None:
    sys.stdout.write(dumps(value) + "\n")


def print_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    rows = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def per_product(values: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{k} {format_units(v)}" for k, v in sorted(values.items())) or "-"


def silence_stdout() -> None:
    """After a broken pipe, point stdout at devnull so the interpreter's flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass
