"""`bonta schedule next HISTORY.json [--json]`: the next visits after a session.

Wired into `bonta` by `bonta.cli.main` through `add_parser(subparsers)`; `run(args)` returns the
exit
code: 0 with the proposal on stdout; 2 with one line on stderr (naming the bad field) and
nothing on stdout for any invalid input; 3 for a bug. Never a traceback. Pure: no Django.

Output (`--json`): {"earliest", "recommended", "latest", "basis", "explanation"} as in issue 5,
plus "review": the date of the review after a first cosmetic session in an area, or null.
The clinic's policy (`bonta.domain.scheduling.SchedulingPolicy`) is set with the options below;
every default is documented there.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bonta.domain.calendar import Interval
from bonta.domain.errors import DomainError
from bonta.domain.scheduling import (
    DEFAULT_POLICY,
    NextVisits,
    RetreatmentIntervalUnknown,
    SchedulingPolicy,
    next_visits,
)
from bonta.formats.schedulefile import load_schedule_file

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_BUG = 3
MAX_DAYS = 3650  # not a clinical limit: it keeps option values plausible and dates in range

HELP = "Propose the next visits after a session: review, next cycle or touch-up window."


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `schedule next` to a `bonta` subparsers object and return the `schedule` parser."""
    schedule: argparse.ArgumentParser = subparsers.add_parser(
        "schedule", help=HELP, description=HELP
    )
    schedule.set_defaults(run=run)
    commands = schedule.add_subparsers(title="commands", metavar="COMMAND", required=True)
    next_ = commands.add_parser(
        "next",
        help=HELP,
        description=HELP
        + " The history-file format is described in bonta/formats/schedulefile.py.",
    )
    next_.set_defaults(run=run)
    next_.add_argument("history", metavar="HISTORY.json", help="the history file, or - for stdin")
    next_.add_argument("--json", action="store_true", help="print JSON instead of text")
    next_.add_argument(
        "--clinic-minimum-days",
        type=_whole(1),
        metavar="N",
        help="clinic policy: minimum days between sessions for a product whose label interval "
        "is not in Bonta's reference (Dysport, Letybo); without it none is proposed",
    )
    next_.add_argument(
        "--review-after-days",
        type=_whole(1),
        metavar="N",
        help="clinic policy: days from a first cosmetic session in an area to its review "
        "(default 2 weeks)",
    )
    next_.add_argument(
        "--prior-weight",
        type=_whole(0),
        metavar="K",
        help="how many observed treatments the population prior counts as "
        f"(default {DEFAULT_POLICY.prior_weight})",
    )
    next_.add_argument(
        "--cycle-tolerance-days",
        type=_whole(0),
        metavar="N",
        help="clinic policy: days after the 12-week migraine cycle still in the window (default 0)",
    )
    return schedule


def run(args: argparse.Namespace) -> int:
    """Run `schedule next`; print the proposal, or one error line, and return the exit code."""
    try:
        session, history = load_schedule_file(args.history)
        visits = next_visits(session, history, policy(args))
    except RetreatmentIntervalUnknown as error:
        print(f"bonta: {error.message} (--clinic-minimum-days N)", file=sys.stderr)
        return EXIT_INVALID
    except DomainError as error:
        print(f"bonta: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # never a traceback from a pure command
        print(
            f"bonta: internal error (a bug; please report it): {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_BUG
    if args.json:
        sys.stdout.write(json.dumps(as_json(visits), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(as_text(visits))
    return EXIT_OK


def policy(args: argparse.Namespace) -> SchedulingPolicy:
    """The clinic policy from the command line; unset options keep the documented defaults."""
    base = DEFAULT_POLICY
    minimum = getattr(args, "clinic_minimum_days", None)
    review = getattr(args, "review_after_days", None)
    weight = getattr(args, "prior_weight", None)
    tolerance = getattr(args, "cycle_tolerance_days", None)
    return SchedulingPolicy(
        review_after=(
            base.review_after
            if review is None
            else Interval(review, "days", "clinic policy (--review-after-days), not a label rule")
        ),
        prior_weight=base.prior_weight if weight is None else weight,
        clinic_minimum=(
            base.clinic_minimum
            if minimum is None
            else Interval(minimum, "days", "clinic policy, --clinic-minimum-days")
        ),
        cycle_tolerance=(
            base.cycle_tolerance
            if tolerance is None
            else Interval(tolerance, "days", "clinic policy, --cycle-tolerance-days")
        ),
    )


def as_json(visits: NextVisits) -> dict[str, str | None]:
    window = visits.treatment
    return {
        "earliest": window.earliest.isoformat(),
        "recommended": window.recommended.isoformat(),
        "latest": window.latest.isoformat(),
        "basis": window.basis.value,
        "explanation": visits.explanation,
        "review": None if visits.review is None else visits.review.on.isoformat(),
    }


def as_text(visits: NextVisits) -> str:
    window = visits.treatment
    lines = []
    if visits.review is not None:
        lines.append(f"review       {visits.review.on.isoformat()}")
    lines += [
        f"earliest     {window.earliest.isoformat()}",
        f"recommended  {window.recommended.isoformat()}",
        f"latest       {window.latest.isoformat()}",
        f"basis        {window.basis.value}",
        "",
        visits.explanation,
    ]
    return "\n".join(lines) + "\n"


def _whole(least: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if not least <= value <= MAX_DAYS:
            raise argparse.ArgumentTypeError(f"must be from {least} to {MAX_DAYS}, not {value}")
        return value

    return parse
