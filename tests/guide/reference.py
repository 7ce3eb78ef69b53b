"""Read the shared clinical reference the guide is written from (absent on some machines)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = Path(
    os.environ.get("BONTA_CLINICAL_REFERENCE", REPO.parent / "shared" / "clinical-reference.md")
)


def reference_text() -> str:
    if not REFERENCE.exists():
        pytest.skip(f"clinical reference not found at {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8")


def register() -> dict[str, str]:
    """Source register: ID -> its whole register line; "X-1..4" and "X-3 / -4" are expanded."""
    text = reference_text().split("## Source register", 1)[1]
    entries: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"- \*\*(.+?)\*\*", line)
        if match:
            for source_id in _expand(match.group(1)):
                entries[source_id] = line
    return entries


def _expand(label: str) -> list[str]:
    ranged = re.fullmatch(r"(.+-)(\d+)\.\.(\d+)", label)
    if ranged:
        stem, first, last = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
        return [f"{stem}{n}" for n in range(first, last + 1)]
    parts = [p.strip() for p in label.split(" / ")]
    ids = [parts[0]]
    for part in parts[1:]:
        # "JHP-DANISH-3 / -4" abbreviates "JHP-DANISH-4"
        ids.append(parts[0].rsplit("-", 1)[0] + part if part.startswith("-") else part)
    return ids


def section(heading_prefix: str) -> str:
    """The text of one "### x.y" section of the reference."""
    text = reference_text()
    start = text.index(f"### {heading_prefix}")
    end = text.find("\n### ", start + 1)
    return text[start:end]


def quoted(section_text: str, opening: str) -> str:
    """The double-quoted passage starting with `opening`, with line breaks as spaces."""
    start = section_text.index(f'"{opening}') + 1
    end = section_text.index('"', start)
    return " ".join(section_text[start:end].split())
