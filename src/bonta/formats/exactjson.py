"""JSON for the command line with Decimals written exactly (155, 2.5), never through a float."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def dumps(value: Any, *, normalize: bool = True, ascii_only: bool = True, level: int = 0) -> str:
    """Indented JSON. `normalize` drops trailing zeros (155.00 → 155); without it a Decimal is
    written as computed (30.0 stays 30.0). `ascii_only` escapes non-ASCII as \\uXXXX."""
    if isinstance(value, Decimal):
        return format(value.normalize() if normalize else value, "f")
    inner = "\n" + "  " * (level + 1)
    outer = "\n" + "  " * level

    def nested(item: Any) -> str:
        return dumps(item, normalize=normalize, ascii_only=ascii_only, level=level + 1)

    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = (
            f"{json.dumps(str(k), ensure_ascii=ascii_only)}: {nested(v)}" for k, v in value.items()
        )
        return "{" + inner + ("," + inner).join(items) + outer + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(nested(v) for v in value) + outer + "]"
    return json.dumps(value, ensure_ascii=ascii_only)
