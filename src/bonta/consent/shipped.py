"""Render the consent texts Bonta ships (documents.toml) into the plain text that is signed.

Pure Python, no Django: the data migration and `install_shipped_documents` both use it. Each
statement ends with its numbered citations; the sources (titles and addresses from the patient
guide's source list, itself checked against the clinical reference's register) close the text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bonta.guide.content import Source, load_guide

DOCUMENTS_PATH = Path(__file__).with_name("documents.toml")


class ShippedContentError(ValueError):
    """documents.toml breaks a rule (an unknown source, a statement without one)."""


@dataclass(frozen=True)
class ShippedDocument:
    kind: str
    title: str
    body: str
    sources: tuple[str, ...]  # source IDs cited, in order of first citation


@cache
def shipped_documents() -> tuple[ShippedDocument, ...]:
    raw = tomllib.loads(DOCUMENTS_PATH.read_text(encoding="utf-8"))
    sources = load_guide().sources
    return tuple(_render(doc, raw["reference"], sources) for doc in raw["documents"])


def _render(doc: dict[str, Any], reference: str, sources: dict[str, Source]) -> ShippedDocument:
    cited: list[str] = []
    blocks = [doc["intro"]]
    for section in doc["sections"]:
        lines = [f"## {section['heading']}"]
        if section.get("notice"):
            lines.append(section["notice"])
        blocks.append("\n".join(lines))
        for statement in section.get("statements", []):
            blocks.append(_statement(statement, cited, sources, doc["kind"]))
        if section.get("declarations"):
            blocks.append("\n".join(f"- {line}" for line in section["declarations"]))
    if cited:
        listed = "\n".join(
            f"- [{n}] {sources[sid].name}. {sources[sid].url}" for n, sid in enumerate(cited, 1)
        )
        blocks.append(f"## Sources\nWritten only from the {reference}.\n{listed}")
    else:
        blocks.append("## Sources\nThis form makes no clinical statement, so it cites no source.")
    return ShippedDocument(doc["kind"], doc["title"], "\n\n".join(blocks), tuple(cited))


def _statement(
    raw: dict[str, Any], cited: list[str], sources: dict[str, Source], where: str
) -> str:
    ids = raw.get("source") or []
    if not ids:
        raise ShippedContentError(f"{where}: a statement needs at least one source")
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise ShippedContentError(f"{where}: sources {unknown} are not in the guide's list")
    numbers = []
    for sid in ids:
        if sid not in cited:
            cited.append(sid)
        numbers.append(str(cited.index(sid) + 1))
    text = f"{raw['text']} [{', '.join(sorted(numbers, key=int))}]"
    if raw.get("note"):
        text += f" ({raw['note']})"
    return "\n".join([text, *(f"- {item}" for item in raw.get("items", ()))])
