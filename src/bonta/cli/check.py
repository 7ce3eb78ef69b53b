"""`bonta check PLAN.json`: validate a plan file and run the safety engine over it."""

from __future__ import annotations

import argparse

from bonta.cli.output import (
    EXIT_BLOCKED,
    EXIT_OK,
    print_json,
)


def run_check(args: argparse.Namespace) -> int:
    from bonta.domain.safety import check, has_block
    from bonta.formats.planfile import load_plan

    snapshot = load_plan(args.plan)
    findings = check(snapshot)  # may raise InvalidInput too: main turns it into exit 2
    blocked = has_block(findings)
    print_json(
        {
            "ok": not blocked,
            "findings": [f.as_dict() for f in findings],
            "totals": {snapshot.plan.product: snapshot.planned_units},
            "points": len(snapshot.plan.injections),
        }
    )
    return EXIT_BLOCKED if blocked else EXIT_OK
