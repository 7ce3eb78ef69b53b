"""`bonta check PLAN.json [PLAN.json …]`: validate plan files and run the safety engine.

One file: one JSON object on stdout (or, on invalid input, one line on stderr and nothing on
stdout), exactly as before. Several files: one JSON object per line (JSON Lines), in the order
given, each with the file's name first (`"file"`); a file that fails validation gets
`{"file": …, "error": …}` on stdout and the same line on stderr, and the others are still
checked. The exit code is the worst of the files' (2 invalid > 1 blocked > 0 passed).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bonta.cli.output import (
    EXIT_BLOCKED,
    EXIT_INVALID,
    EXIT_OK,
    print_json,
)
from bonta.domain.errors import DomainError, InvalidInput
from bonta.formats.exactjson import dumps


def run_check(args: argparse.Namespace) -> int:
    paths: list[str] = args.plan
    if len(paths) == 1:
        result, code = check_file(paths[0])  # invalid input raises: main prints it, exit 2
        print_json(result)
        return code
    if paths.count("-") > 1:
        raise InvalidInput("PLAN.json", "- (stdin) may be given only once")
    worst = EXIT_OK
    for path in paths:
        label = "<stdin>" if path == "-" else path
        try:
            result, code = check_file(path)
        except DomainError as error:
            message = error.message
            shown = message if message.startswith(f"{label}: ") else f"{label}: {message}"
            print(f"bonta: {shown}", file=sys.stderr)
            print_json_line({"file": label, "error": message})
            code = EXIT_INVALID
        else:
            print_json_line({"file": label, **result})
        worst = max(worst, code)
    return worst


def check_file(path: str) -> tuple[dict[str, Any], int]:
    """The findings for the plan at `path` and its exit code (0 passes, 1 blocked)."""
    from bonta.domain.safety import check, has_block
    from bonta.formats.planfile import load_plan

    snapshot = load_plan(path)
    findings = check(snapshot)  # may raise InvalidInput too
    blocked = has_block(findings)
    result = {
        "ok": not blocked,
        "findings": [f.as_dict() for f in findings],
        "totals": {snapshot.plan.product: snapshot.planned_units},
        "points": len(snapshot.plan.injections),
    }
    return result, EXIT_BLOCKED if blocked else EXIT_OK


def print_json_line(value: dict[str, Any]) -> None:
    """`value` as exact JSON on one line. The indented form breaks lines only between tokens
    (strings escape their newlines), so joining its lines without their indentation is
    lossless; a line that ends an item (with a comma) is followed by one space."""
    text = ""
    for line in dumps(value).split("\n"):
        text += (" " if text.endswith(",") else "") + line.lstrip()
    sys.stdout.write(text + "\n")
