"""The light markup of a consent text, shared by the web page and the PDF.

Blocks are separated by a blank line. A block whose first line starts with "## " is a heading;
lines starting with "- " are list items (a block may open with a sentence, then list items);
anything else is a paragraph. Nothing is interpreted as HTML: the text is shown exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_TITLE = 200
MAX_BODY = 100_000


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "paragraph" or "list"
    text: str = ""
    items: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """One line-ending convention and no trailing spaces: what browsers and editors disagree on."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def blocks(body: str) -> list[Block]:
    found: list[Block] = []
    for chunk in body.split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines and lines[0].startswith("## "):
            found.append(Block("heading", lines.pop(0)[3:].strip()))
        # Consecutive sentence lines make a paragraph, consecutive "- " lines a list, in order.
        run: list[str] = []
        for line in [*lines, ""]:
            is_item = line.startswith("- ")
            if run and (not line or is_item != run[0].startswith("- ")):
                if run[0].startswith("- "):
                    found.append(Block("list", items=tuple(r[2:].strip() for r in run)))
                else:
                    found.append(Block("paragraph", " ".join(run)))
                run = []
            if line:
                run.append(line)
    return found
