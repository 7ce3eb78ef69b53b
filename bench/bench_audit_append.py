"""Audit appends under concurrency: N threads, each a read-like audited transaction in a loop.

Issue #12: every audited transaction used to take the chain head until it committed, so all
readers queued on one row. Now `record` writes the event unsealed and a sealer links it into
the chain; this measures both.

    BONTA_DATA_DIR=$(mktemp -d) python -m bench.bench_audit_append
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.bench_audit_append

Modes (`--mode`, default both):
- `unsealed`: `transaction.atomic(): record(...)`, with a background sealer thread sealing
  every second, as `bonta serve` runs it; the chain is sealed and verified at the end.
- `locked`: the old path's lock — the chain head row is taken (`SELECT … FOR UPDATE`; SQLite's
  IMMEDIATE transaction holds the write lock anyway) inside each transaction and held until it
  commits, around the same `record`. Run against the old source
  (a tree without `bonta.audit.sealer`), `locked` is plain `record`, which took the head itself:
  `git archive 73d6149 src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src:. python -m bench…`.

Threads of one process (Python's GIL shares one core between them; the database work and its
waits release it), each with its own connection. Reports events/s at 1 and at `--threads`
clients and their ratio. Benchmarks report; they never assert.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from typing import Any

from bench.common import report


def setup() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    return str(connection.vendor)


def has_sealer() -> bool:
    try:
        import bonta.audit.sealer  # noqa: F401
    except ImportError:
        return False
    return True


def one_transaction(mode: str) -> None:
    from django.db import transaction

    from bonta.audit.log import record

    with transaction.atomic():
        record("patient.read", actor=None, object_type="patient", object_id="bench")
        if mode == "locked" and has_sealer():
            from bonta.audit.sealer import _locked_head

            _locked_head()  # the head row, locked until this transaction commits


def phase(mode: str, clients: int, seconds: float) -> dict[str, Any]:
    from django.db import connection

    counts = [0] * clients
    errors: list[str] = []
    stop = threading.Event()
    start = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        try:
            start.wait()
            while not stop.is_set():
                one_transaction(mode)
                counts[n] += 1
        except Exception as error:  # counted, so the report shows it
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "events": sum(counts),
        "events_per_s": round(sum(counts) / elapsed, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


class BackgroundSealer:
    """Seal every second while a phase runs, as `bonta serve`'s sealer thread does."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from django.db import connection

        from bonta.audit.sealer import seal_quietly

        while not self.stop.wait(1.0):
            seal_quietly()
        connection.close()

    def __enter__(self) -> BackgroundSealer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def measure(mode: str, threads: int, seconds: float) -> dict[str, Any]:
    from contextlib import nullcontext

    sealing = BackgroundSealer() if mode == "unsealed" else nullcontext()
    with sealing:
        one = phase(mode, 1, seconds)
        many = phase(mode, threads, seconds)
    result: dict[str, Any] = {
        "mode": mode if has_sealer() else f"{mode} (old source)",
        "one": one,
        "many": many,
        "ratio": round(many["events_per_s"] / one["events_per_s"], 2) if one["events"] else None,
    }
    if has_sealer():
        from bonta.audit.chain import verify
        from bonta.audit.sealer import seal_all

        began = time.perf_counter()
        left = seal_all().events
        result["sealed_at_end"] = left
        result["final_seal_ms"] = round((time.perf_counter() - began) * 1000, 1)
        result["verify"] = verify().line()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument("--mode", choices=("both", "unsealed", "locked"), default="both")
    args = parser.parse_args()
    vendor = setup()
    modes = ("locked", "unsealed") if args.mode == "both" else (args.mode,)
    if not has_sealer():
        modes = ("locked",)
    results = {mode: measure(mode, args.threads, args.seconds) for mode in modes}
    summary = {
        "engine": vendor,
        "threads": args.threads,
        "seconds_per_phase": args.seconds,
        **{
            key: value
            for mode, r in results.items()
            for key, value in (
                (f"{mode}_1_client_events_per_s", r["one"]["events_per_s"]),
                (f"{mode}_{args.threads}_clients_events_per_s", r["many"]["events_per_s"]),
                (f"{mode}_ratio", r["ratio"]),
            )
        },
        "details": results,
    }
    report(
        f"bench_audit_append_{vendor}",
        summary,
        f"{args.threads} clients vs 1: events/s ratio (issue #12: readers no longer queue)",
    )


if __name__ == "__main__":
    main()
