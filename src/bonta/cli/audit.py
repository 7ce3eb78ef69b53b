"""`bonta audit verify [--checkpoint FILE] [--no-seal]`, `bonta audit seal`,
`bonta audit checkpoint [--output FILE]`.

Django-backed: they hand over to the `bonta_audit` management command of `bonta.audit`, set up
only when they run. Exit codes: 0 the chain is whole (or sealed, or the checkpoint was
written); 1 it is broken, with one line on stderr naming the first bad sequence number (or why
nothing could be sealed, or no checkpoint written or read); 2 a usage error.
"""

from __future__ import annotations

import argparse
from typing import Any

from bonta.cli.server import run_django

EPILOG = """\
Events are written unsealed (no lock while a request runs) and sealed into the chain within
seconds by `bonta worker` or a thread of `bonta serve`; seal does it now. verify seals first
(--no-seal: only report), then walks the whole chain: every event's keyed hash and its link
to the one before, the chain head's key mark (so deleting the last events is caught), and
with --checkpoint the signed head you exported earlier (so nothing at or before it can have
been rewritten or deleted, even by someone who could rewrite the database and its head). It
also reports the unsealed window: how many events wait and the oldest one's age (minutes: is
a sealer running?), and fails if an unsealed event was changed after it was written. A
checkpoint covers sealed events only.

exit codes:
  0  the chain is whole; seal: done; checkpoint: written
  1  the chain is broken (one line on stderr: the first bad sequence number and why), or the
     checkpoint file cannot be read or its signature does not match; seal: an unsealed event
     was changed after it was written (nothing after it is sealed)
  2  usage error

Keep checkpoints somewhere the database server cannot write (another machine, a USB key, a
mail to yourself): README, "Audit chain".
"""


def run_verify(args: argparse.Namespace) -> int:
    return run_django("bonta_audit", "verify", checkpoint=args.checkpoint, no_seal=args.no_seal)


def run_seal(args: argparse.Namespace) -> int:
    return run_django("bonta_audit", "seal")


def run_checkpoint(args: argparse.Namespace) -> int:
    return run_django("bonta_audit", "checkpoint", output=args.output)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `audit` (with `verify` and `checkpoint`) to a sub-parser collection."""
    summary = "Verify the audit chain, seal waiting events, or export a signed checkpoint."
    audit: argparse.ArgumentParser = subparsers.add_parser(
        "audit", help=summary, description=summary
    )
    commands = audit.add_subparsers(title="audit commands", metavar="COMMAND", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(
            name,
            help=text,
            description=text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    verify = command("verify", "Check every event of the audit chain; exit 1 if one is bad.")
    verify.add_argument(
        "--checkpoint", metavar="FILE", help="a checkpoint from `bonta audit checkpoint`"
    )
    verify.add_argument(
        "--no-seal", action="store_true", help="report the unsealed window without sealing it"
    )
    verify.set_defaults(run=run_verify)
    seal = command("seal", "Link every committed unsealed audit event into the chain now.")
    seal.set_defaults(run=run_seal)
    checkpoint = command(
        "checkpoint", "Verify, then print the chain head signed with the audit key (JSON)."
    )
    checkpoint.add_argument("--output", metavar="FILE", help="write it here (never overwritten)")
    checkpoint.set_defaults(run=run_checkpoint)
    return audit
