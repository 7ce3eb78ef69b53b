"""Load the patient guide from content.toml into immutable objects, refusing malformed content.

The guide is data, not code: each statement carries the IDs of the sources it was written from,
all in Bonta's source register (bonta/domain/reference/sources.toml, whose addresses the guide's
own source list must match). Nothing here touches the database.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONTENT_PATH = Path(__file__).with_name("content.toml")

# The reference's status tags, plus "derived" for a conclusion drawn from cited [P]/[S] facts.
STATUS_LABELS = {
    "P": "official source (FDA label data, NICE)",
    "S": "reputable copy of the label, guideline or study",
    "W": "weak source: label wording or a report seen only on a low-quality page",
    "derived": "worked out from the cited sources",
}
PAGE_SLUGS = ("index", "cosmetic", "chronic-migraine", "urgent")


class GuideContentError(ValueError):
    """content.toml breaks a rule every statement must keep."""


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    title: str
    url: str


@dataclass(frozen=True)
class Statement:
    text: str
    source: tuple[str, ...]
    ref: str
    status: str
    cited: tuple[Source, ...]
    items: tuple[str, ...] = ()
    note: str = ""

    @property
    def tag(self) -> str:
        return "derived" if self.status == "derived" else f"[{self.status}]"


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    statements: tuple[Statement, ...]
    notice: str = ""


@dataclass(frozen=True)
class Myth:
    id: str
    myth: str
    correction: tuple[Statement, ...]
    pages: tuple[str, ...]


@dataclass(frozen=True)
class BoxedWarning:
    heading: str
    primary: str
    primary_source: tuple[str, ...]
    primary_status: str
    secondary: str
    secondary_source: tuple[str, ...]
    secondary_status: str
    ref: str
    glossary: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        # The [P] excerpt stops mid-word, so the two parts join without a space.
        return self.primary + self.secondary


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    lead: str
    sections: tuple[Section, ...]
    boxed_warning: bool
    clinic_key: str


@dataclass(frozen=True)
class Guide:
    reference: str
    pages: dict[str, Page]
    sections: dict[str, Section]
    myths: tuple[Myth, ...]
    boxed_warning: BoxedWarning
    sources: dict[str, Source]

    def statements(self) -> list[Statement]:
        """Every statement in the guide: sections, myth corrections (not the myths themselves)."""
        found = [s for section in self.sections.values() for s in section.statements]
        return found + [s for myth in self.myths for s in myth.correction]

    def myths_for(self, slug: str) -> tuple[Myth, ...]:
        return tuple(m for m in self.myths if slug in m.pages)

    def sources_for(self, page: Page) -> list[Source]:
        """The sources cited on a page, in order of first citation."""
        statements = [s for section in page.sections for s in section.statements]
        statements += [s for myth in self.myths_for(page.slug) for s in myth.correction]
        if page.slug != "urgent":
            statements += list(self.sections["urgent-signs"].statements)
        ids = [i for s in statements for i in s.source]
        if page.boxed_warning:
            ids += [*self.boxed_warning.primary_source, *self.boxed_warning.secondary_source]
        return [self.sources[i] for i in dict.fromkeys(ids)]


@cache
def load_guide() -> Guide:
    """The guide in content.toml, validated; read once per process."""
    return parse_guide(tomllib.loads(CONTENT_PATH.read_text(encoding="utf-8")))


def parse_guide(raw: dict[str, Any]) -> Guide:
    sources = {
        sid: Source(sid, _text(s, "name", sid), _text(s, "title", sid), _text(s, "url", sid))
        for sid, s in raw["sources"].items()
    }
    sections = {
        sid: Section(
            id=sid,
            heading=_text(s, "heading", sid),
            statements=tuple(_statement(st, sid, sources) for st in s.get("statements", [])),
            notice=s.get("notice", ""),
        )
        for sid, s in raw["sections"].items()
    }
    for section in sections.values():
        if not section.statements:
            raise GuideContentError(f"section {section.id}: no statements")
    pages = {slug: _page(slug, p, sections) for slug, p in raw["pages"].items()}
    if tuple(pages) != PAGE_SLUGS:
        raise GuideContentError(f"pages must be {PAGE_SLUGS}, not {tuple(pages)}")
    myths = tuple(_myth(m, sources) for m in raw["myths"])
    return Guide(
        reference=raw["reference"],
        pages=pages,
        sections=sections,
        myths=myths,
        boxed_warning=_boxed_warning(raw["boxed_warning"], sources),
        sources=sources,
    )


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GuideContentError(f"{where}: {key} must be non-empty text")
    return value


def _source_ids(ids: Any, where: str, sources: dict[str, Source]) -> tuple[str, ...]:
    if not isinstance(ids, list) or not ids:
        raise GuideContentError(f"{where}: a statement needs at least one source ID")
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise GuideContentError(f"{where}: sources {unknown} are not in [sources]")
    return tuple(ids)


def _status(value: Any, where: str) -> str:
    if value not in STATUS_LABELS:
        raise GuideContentError(f"{where}: status {value!r} is not one of {list(STATUS_LABELS)}")
    return str(value)


def _statement(raw: dict[str, Any], where: str, sources: dict[str, Source]) -> Statement:
    ids = _source_ids(raw.get("source"), where, sources)
    return Statement(
        text=_text(raw, "text", where),
        source=ids,
        cited=tuple(sources[i] for i in ids),
        ref=_text(raw, "ref", where),
        status=_status(raw.get("status"), where),
        items=tuple(raw.get("items", ())),
        note=raw.get("note", ""),
    )


def _page(slug: str, raw: dict[str, Any], sections: dict[str, Section]) -> Page:
    missing = [s for s in raw["sections"] if s not in sections]
    if missing:
        raise GuideContentError(f"page {slug}: unknown sections {missing}")
    return Page(
        slug=slug,
        title=_text(raw, "title", slug),
        lead=_text(raw, "lead", slug),
        sections=tuple(sections[s] for s in raw["sections"]),
        boxed_warning=bool(raw.get("boxed_warning", False)),
        clinic_key=raw.get("clinic_key", ""),
    )


def _myth(raw: dict[str, Any], sources: dict[str, Source]) -> Myth:
    where = f"myth {raw.get('id')}"
    corrections = tuple(_statement(c, where, sources) for c in raw.get("correction", []))
    if not corrections:
        raise GuideContentError(f"{where}: no correction")
    pages = tuple(raw["pages"])
    if not set(pages) <= set(PAGE_SLUGS):
        raise GuideContentError(f"{where}: unknown pages {pages}")
    return Myth(
        id=_text(raw, "id", where),
        myth=_text(raw, "myth", where),
        correction=corrections,
        pages=pages,
    )


def _boxed_warning(raw: dict[str, Any], sources: dict[str, Source]) -> BoxedWarning:
    where = "boxed_warning"
    return BoxedWarning(
        heading=_text(raw, "heading", where),
        primary=_text(raw, "primary", where),
        primary_source=_source_ids(raw.get("primary_source"), where, sources),
        primary_status=_status(raw.get("primary_status"), where),
        secondary=_text(raw, "secondary", where),
        secondary_source=_source_ids(raw.get("secondary_source"), where, sources),
        secondary_status=_status(raw.get("secondary_status"), where),
        ref=_text(raw, "ref", where),
        glossary=tuple((term, plain) for term, plain in raw["glossary"]),
    )
