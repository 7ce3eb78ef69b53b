"""HIT-6 and MIDAS item wording, only when the clinic has loaded its licensed text.

Both instruments are copyrighted (clinical-reference §6.1; `bonta.domain.headache.scoring`): Bonta
ships
no item wording and never paraphrases it. A clinic holding a licence may put its text in
BONTA_DATA_DIR/questionnaires/licensed.toml, for example:

    [hit6]
    item_1 = "…the licensed wording of item 1…"
    # … item_2 to item_6

    [midas]
    q1 = "…"  # … q2 to q5, a, b

An instrument's text is used only when every one of its items has text; otherwise the portal
shows item numbers and answer choices, as the staff form does. The file is read on each
request, so edits show at once.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from django.conf import settings

from bonta.domain.headache.scoring import hit6_scale, midas_scale

log = logging.getLogger(__name__)


def licensed_text_path() -> Path:
    return Path(settings.DATA_DIR) / "questionnaires" / "licensed.toml"


def instrument_items(instrument: str) -> tuple[str, ...]:
    if instrument == "hit6":
        return hit6_scale().items
    return (*midas_scale().scored_items, "a", "b")


def licensed_items(instrument: str, path: Path | None = None) -> dict[str, str] | None:
    """Item code → the clinic's licensed wording, or None when it has not loaded all of it."""
    path = path or licensed_text_path()
    if not path.exists():
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        log.warning("licensed questionnaire text %s is unreadable; showing item numbers", path)
        return None
    table = raw.get(instrument)
    items = instrument_items(instrument)
    if not isinstance(table, dict) or not all(
        isinstance(table.get(item), str) and table[item].strip() for item in items
    ):
        return None
    return {item: table[item].strip() for item in items}
