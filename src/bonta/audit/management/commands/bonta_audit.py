"""`bonta audit verify [--checkpoint FILE]` and `bonta audit checkpoint [--output FILE]`.

verify prints one line and exits 0 when the chain is whole; otherwise one line naming the first
bad sequence number, exit 1 (a CommandError). checkpoint verifies first, then writes the signed
head as JSON (to stdout, or FILE, created with mode 0600 and never overwritten).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.audit.chain import Checkpoint, CheckpointInvalid, make_checkpoint, verify
from bonta.audit.keys import AuditKeyError


class Command(BaseCommand):
    help = "Verify the audit chain, or export a signed checkpoint of its head."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("verify", "checkpoint"))
        parser.add_argument(
            "--checkpoint", metavar="FILE", help="verify: also prove nothing up to it changed"
        )
        parser.add_argument("--output", metavar="FILE", help="checkpoint: write here, not stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "verify":
                self._verify(options.get("checkpoint"))
            else:
                self._checkpoint(options.get("output"))
        except AuditKeyError as error:
            raise CommandError(str(error)) from None

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
