"""The reminder worker: enqueue, claim a batch, send each message, settle it; repeat.

One message at a time per worker; run several workers for more throughput (their claims never
overlap). SIGTERM or SIGINT: the message in hand is finished and recorded, the rest of the
batch is given back, and the worker exits. Logs carry counts, reminder ids and codes, never an
address, a name or a message.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from uuid import UUID

from django.db import close_old_connections, connection
from django.utils import timezone

from bonta.reminders import config, outbox
from bonta.reminders.message import as_bytes, build
from bonta.reminders.smtp import Outcome, Sender, ServerUnavailable

log = logging.getLogger("bonta.reminders")

UNREACHABLE_BACKOFF_MAX = 300.0  # seconds between tries while the SMTP server is down


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0  # cancelled or re-timed at the last check
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def settled(self) -> int:
        return self.sent + self.retried + self.failed + self.uncertain + self.skipped

    def add(self, other: Tally) -> None:
        for name in ("sent", "retried", "failed", "uncertain", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, n in other.by_code.items():
            self.by_code[code] = self.by_code.get(code, 0) + n


# Background jobs that `bonta worker` runs once per pass too (an app above this one fills this
# in its AppConfig.ready: bonta.fhir registers its queued $export jobs; this app's own ready
# registers the recall list's sweep of stale marks, `bonta.appointments.services.stale`). Each
# returns how much work it did (0: nothing to do).
OTHER_JOBS: list[Callable[[], int]] = []


class Worker:
    def __init__(
        self,
        *,
        sender: Sender | None = None,
        batch_size: int = 20,
        poll_seconds: float = 5.0,
        enqueue_every_seconds: float = 60.0,
        clock: Callable[[], datetime] = timezone.now,
        name: str | None = None,
    ) -> None:
        self.sender = sender or Sender(config.smtp_config())
        self.clinic = config.clinic()
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.enqueue_every_seconds = enqueue_every_seconds
        self.clock = clock
        self.name = name or outbox.worker_id()
        self.stopping = False
        self._last_enqueue: float | None = None
        self._unreachable_pause = 0.0

    # ---- the loop ----------------------------------------------------------------------------

    def run(self, *, until_idle: bool = False, once: bool = False) -> Tally:
        """Work until stopped (SIGTERM/SIGINT); `until_idle`: also stop when nothing is left."""
        total = Tally()
        with self._signals():
            try:
                while not self.stopping:
                    if not connection.in_atomic_block:  # (tests run inside one)
                        close_old_connections()  # a restarted database: reconnect
                    worked = self.step(total)
                    if once or (until_idle and not worked and outbox.idle(self.clock())):
                        break
                    if not worked:
                        self._sleep(max(self.poll_seconds, self._unreachable_pause))
            finally:
                self.sender.close()
        return total

    def step(self, total: Tally | None = None) -> bool:
        """One pass: enqueue when due, expire leases, claim and send a batch.

        True if it settled any reminder; False if there was nothing to do or the server could
        not be reached (the caller then pauses instead of trying again at once)."""
        total = total if total is not None else Tally()
        others = sum(job() for job in OTHER_JOBS)
        now = self.clock()
        if self._last_enqueue is None or (
            time.monotonic() - self._last_enqueue >= self.enqueue_every_seconds
        ):
            enqueued = outbox.enqueue_due(now)
            self._last_enqueue = time.monotonic()
            if enqueued.created or enqueued.synced:
                log.info("enqueued %d, synced %d", enqueued.created, enqueued.synced)
        if expired := outbox.expire_leases(now):
            log.warning("%d reminder(s) uncertain: their worker stopped mid-send", expired)
        ids = outbox.claim(self.name, now, self.batch_size)
        if not ids:
            return others > 0
        try:
            batch = self.send_batch(ids)
        finally:
            self.sender.close()  # one session per batch: none goes stale while the worker idles
        total.add(batch)
        log.info(
            "batch: %d sent, %d retry, %d failed, %d uncertain, %d skipped %s",
            batch.sent, batch.retried, batch.failed, batch.uncertain, batch.skipped, batch.by_code,
        )  # fmt: skip
        return batch.settled > 0 or others > 0

    def send_batch(self, ids: list[UUID]) -> Tally:
        tally = Tally()
        for n, reminder_id in enumerate(ids):
            if self.stopping:
                outbox.release(ids[n:], self.name)
                break
            try:
                self.sender.connect()  # before the point of no return: nothing is at stake
            except ServerUnavailable as down:
                outbox.release(ids[n:], self.name)
                self._count(tally, down.code)
                self._unreachable_pause = min(
                    max(self._unreachable_pause * 2, self.poll_seconds), UNREACHABLE_BACKOFF_MAX
                )
                log.warning("SMTP server unavailable (%s); retrying later", down.code)
                break
            self._unreachable_pause = 0.0
            self.send_one(reminder_id, tally)
        return tally

    def send_one(self, reminder_id: UUID, tally: Tally) -> None:
        letter = outbox.begin_send(reminder_id, self.name, self.clock())
        if letter is None:
            tally.skipped += 1
            return
        try:
            payload = build(letter, self.clinic, self.sender.config.sender, now=self.clock())
            data = as_bytes(payload)
        except Exception as error:
            # Nothing reached the server: a bug in composing, not a delivery. Fail it (a person
            # looks), without the exception text, which could hold patient data.
            outbox.mark_not_delivered(
                reminder_id, self.name, self.clock(), "compose_error", permanent=True
            )
            tally.failed += 1
            log.error("reminder %s could not be composed: %s", reminder_id, type(error).__name__)
            return
        result = self.sender.send(data, letter.recipient)
        now = self.clock()
        if result.outcome is Outcome.ACCEPTED:
            if outbox.mark_sent(letter, self.name, now):
                tally.sent += 1
            return
        self._count(tally, result.code)
        if result.outcome is Outcome.UNKNOWN:
            outbox.mark_uncertain(reminder_id, self.name, result.code)
            tally.uncertain += 1
        elif (
            outbox.mark_not_delivered(
                reminder_id, self.name, now, result.code, permanent=result.outcome is Outcome.FAILED
            )
            == outbox.Status.FAILED
        ):
            tally.failed += 1
        else:
            tally.retried += 1

    # ---- signals and sleeping ----------------------------------------------------------------

    def stop(self, signum: int = 0, frame: FrameType | None = None) -> None:
        self.stopping = True

    @contextmanager
    def _signals(self) -> Iterator[None]:
        try:
            previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
        except ValueError:  # not the main thread (tests run workers in threads)
            yield
            return
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))

    @staticmethod
    def _count(tally: Tally, code: str) -> None:
        tally.by_code[code] = tally.by_code.get(code, 0) + 1
