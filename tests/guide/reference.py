"""What the guide tests check against, all kept inside the repository.

The source register is bonta/domain/reference/sources.toml (read by bonta.domain.sources); the
passages the guide quotes word for word are in quotations.toml beside this module, each with the
source IDs and reference section it comes from. Nothing here reads a file outside the repository.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from bonta.domain.sources import Source, sources

QUOTATIONS_PATH = Path(__file__).with_name("quotations.toml")


def register() -> Mapping[str, Source]:
    """The project's source register: ID -> Source."""
    return sources()


@cache
def quotations() -> dict[str, Any]:
    with QUOTATIONS_PATH.open("rb") as handle:
        return tomllib.load(handle)


def quotation(name: str) -> dict[str, Any]:
    """One quoted passage: its `text`, `ref` and source IDs."""
    passage: dict[str, Any] = quotations()[name]
    return passage
