"""Bonta's own source register (reference/sources.toml) and the source IDs a citation names.

Every clinical fact in the reference data, the patient guide and the consent texts names the
sources it rests on by ID ("DRUGS-HIST", "MPR-BOTOXC"). The register says, for each ID, what the
source is, where it is, what Bonta uses it for and how strong it is, so the repository can be
checked on its own, without the clinical reference document it was compiled from.

A `source` string in the reference data is free text, e.g.
"clinical-reference §1.1, §1.4; DRUGS-HIST, MEDPATH-BOTOX (BLA 103000)". `cited_ids` reads the IDs
out of it; `cited_sections` reads the sections of the clinical reference it points to.

A string that names no ID is accepted by the tests in exactly three cases:

- it cites only sections of the clinical reference, and the register's `[sections]` table says
  which sources each of those sections rests on (`section_sources`);
- it says, in one of the wordings of `SILENT_WORDINGS`, that the reference has no source for it
  (`is_silent`): "no source: the reference is silent". Such a fact is the project's choice or an
  honest gap, never a sourced fact. Any other wording fails the tests, so a missing ID cannot
  hide behind a new phrase;
- it starts "issue <n>: " (`is_project_decision`): a convention the project chose in that issue
  (e.g. 28-day diary periods), which cites no clinical source and does not pretend to.

Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from bonta.domain.reference import load

RATINGS = {
    "P": "official or primary source",
    "S": "reputable secondary source",
    "W": "weak source: a lead, not data",
}

# The only wordings that mean "no source: the reference is silent" (see the module docstring).
SILENT_WORDINGS = (
    "no label dose in clinical-reference",
    "no label indication in clinical-reference",
    "clinical-reference has no ",
)

# Words in `source` strings that have the shape of a source ID but are not one: product and
# standard names, trial names, status words. A new ID-shaped word must be either registered
# or added here, so a mistyped ID cannot pass unnoticed.
NOT_SOURCE_IDS = frozenset(
    {
        "BLA",  # "BLA 103000", the licence number
        "BOTOX",
        "ICHD-2",  # the previous edition, named in words
        "ICHD-3",  # the classification, not one of its pages
        "III",  # MIDAS grade
        "IV-A",
        "IV-B",
        "MOH",  # medication-overuse headache
        "NICE",
        "PREEMPT",
        "RTP004",  # Daxxify's stabilising peptide, named in its ingredient list
        "SNOMED",
        "TA260",  # "NICE TA260 1.2": the guidance named in words; its source is NICE-TA260-cur
        "UNVERIFIED",
    }
)

_ID = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+(?:\.[0-9]+)*)*(?![\w-])")
_QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|“[^”]*”|‘[^’]*’")
_DECISION = re.compile(r"issue \d+: ")
_SECTION = re.compile(r"(?<!label )§(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    supports: str
    rating: str  # a key of RATINGS
    address: str = ""  # URL or other identifier; empty where the reference gives none


class SourceRegisterError(ValueError):
    """sources.toml breaks a rule every entry must keep."""


@cache
def sources() -> Mapping[str, Source]:
    """The register, by ID; read once per process."""
    raw: dict[str, Any] = load("sources")["sources"]
    return MappingProxyType({sid: _source(sid, entry) for sid, entry in raw.items()})


@cache
def section_sources() -> Mapping[str, tuple[str, ...]]:
    """Clinical-reference section ("1.2") -> the IDs its facts used by Bonta rest on."""
    raw: dict[str, list[str]] = load("sources")["sections"]
    return MappingProxyType({section: tuple(ids) for section, ids in raw.items()})


def cited_ids(text: str) -> list[str]:
    """The source IDs a `source` string names, in order, each once.

    Quotations are skipped (label wording in capitals is not an ID); section references,
    status tags ("[S]"), numbers and the words in NOT_SOURCE_IDS are not IDs.
    """
    unquoted = _QUOTED.sub(" ", text)
    found = [m.group(0) for m in _ID.finditer(unquoted)]
    ids = [t for t in found if len(t) >= 3 and t not in NOT_SOURCE_IDS]
    return list(dict.fromkeys(ids))


def cited_sections(text: str) -> list[str]:
    """The clinical-reference sections a `source` string points to ("§1.2" -> "1.2").

    A "label §2.2" is the drug label's own section, not the reference's, and is skipped.
    """
    unquoted = _QUOTED.sub(" ", text)
    return list(dict.fromkeys(m.group(1) for m in _SECTION.finditer(unquoted)))


def is_silent(text: str) -> bool:
    """Does the string say, in one of the SILENT_WORDINGS, that the reference has no source?"""
    return any(wording in text for wording in SILENT_WORDINGS)


def is_project_decision(text: str) -> bool:
    """Is the string a project convention ("issue 4: ..."), not a sourced fact?"""
    return _DECISION.match(text) is not None


def resolved_ids(text: str) -> list[str]:
    """The IDs a string names, or else the IDs of the reference sections it cites."""
    ids = cited_ids(text)
    if ids:
        return ids
    by_section = section_sources()
    return list(dict.fromkeys(i for s in cited_sections(text) for i in by_section.get(s, ())))


def _source(sid: str, raw: dict[str, Any]) -> Source:
    def text(key: str, required: bool = True) -> str:
        value = raw.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise SourceRegisterError(f"{sid}: {key} must be non-empty text")
        return value

    rating = text("rating")
    if rating not in RATINGS:
        raise SourceRegisterError(f"{sid}: rating {rating!r} is not one of {list(RATINGS)}")
    return Source(
        id=sid,
        title=text("title"),
        supports=text("supports"),
        rating=rating,
        address=text("address", required=False),
    )
