"""`bonta audit verify [--checkpoint FILE] [--no-seal]`, `bonta audit seal` and
`bonta audit checkpoint [--output FILE]`.

verify seals what is waiting first (unless --no-seal), then prints one line and exits 0 when
the chain is whole — with the unsealed window (how many events wait, the oldest one's age);
otherwise one line naming the first bad sequence number, exit 1 (a CommandError). seal links
every committed unsealed event into the chain now. checkpoint seals, verifies, then writes the
signed head as JSON (to stdout, or FILE, created with mode 0600 and never overwritten); it
covers sealed events only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.audit.chain import Checkpoint, CheckpointInvalid, make_checkpoint, verify
from bonta.audit.keys import AuditKeyError
from bonta.audit.sealer import UnsealedEventTampered, seal_all


class Command(BaseCommand):
    help = "Verify the audit chain, seal waiting events, or export a signed checkpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("verify", "seal", "checkpoint"))
        parser.add_argument(
            "--checkpoint", metavar="FILE", help="verify: also prove nothing up to it changed"
        )
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify: only report the unsealed window, do not seal it first",
        )
        parser.add_argument("--output", metavar="FILE", help="checkpoint: write here, not stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "seal":
                self._seal(strict=True)
            elif options["action"] == "verify":
                if not options.get("no_seal"):
                    self._seal(strict=False)
                self._verify(options.get("checkpoint"))
            else:
                self._seal(strict=False)
                self._checkpoint(options.get("output"))
        except AuditKeyError as error:
            raise CommandError(str(error)) from None

    def _seal(self, *, strict: bool) -> None:
        """Seal every committed unsealed event. An edited one stops sealing: `seal` fails on
        it; verify and checkpoint go on, and verification names it."""
        try:
            sealed = seal_all()
        except UnsealedEventTampered as error:
            if strict:
                raise CommandError(str(error)) from None
            return
        if strict:
            self.stdout.write(f"sealed {sealed.events} events; chain head #{sealed.head_seq}")

    def _verify(self, checkpoint_file: str | None) -> None:
        checkpoint = None
        if checkpoint_file:
            try:
                text = Path(checkpoint_file).read_text()
            except OSError as error:
                raise CommandError(f"checkpoint {checkpoint_file}: {error.strerror}") from None
            try:
                checkpoint = Checkpoint.from_json(text)
            except CheckpointInvalid as error:
                raise CommandError(f"checkpoint {checkpoint_file}: {error}") from None
        result = verify(checkpoint=checkpoint)
        if not result.ok:
            raise CommandError(result.line())
        self.stdout.write(result.line())

    def _checkpoint(self, output: str | None) -> None:
        checkpoint, result = make_checkpoint()
        if checkpoint is None:
            raise CommandError(f"no checkpoint written: {result.line()}")
        if not output:
            self.stdout.write(checkpoint.to_json(), ending="")
            return
        try:
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            refusal = f"--output {output} exists; checkpoints are never overwritten"
            raise CommandError(refusal) from None
        except OSError as error:
            raise CommandError(f"--output {output}: {error.strerror}") from None
        with os.fdopen(descriptor, "w") as out:
            out.write(checkpoint.to_json())
        self.stdout.write(f"checkpoint at event #{checkpoint.seq} written to {output}")
