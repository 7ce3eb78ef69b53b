"""The gunicorn application behind `bonta serve` (imported only by that command).

Configured in code, not from a file or the command line: gunicorn's own argv parsing is never
run (`bonta serve`'s options are already parsed). The socket arrives already bound, and the
Django application is loaded once in the parent (`preload_app`) so workers fork with it warm.

The background thread runs in exactly one worker process: each worker starts one after it
forks (`post_worker_init`), and a file lock in the data folder lets only one of them work; if
that worker exits, another takes over within a second. Each second it seals the waiting audit
events (`bonta.audit.sealer`) and refreshes the recall dates of every patient marked since
(`bonta.appointments.services.stale`: the workers' sign-offs and imports only mark them, in
their transaction, and leave the refresh to this thread, so a request's process does none of
it). Not in the parent: a thread running there while it forks workers could leave a child
holding a lock (SQLite's, the allocator's) that no thread in the child will ever release.
"""

from __future__ import annotations

import fcntl
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


class BontaServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(
        self,
        listener: socket.socket,
        *,
        workers: int,
        threads: int,
        timeout: int,
        on_ready: Callable[[], None],
    ) -> None:
        self.listener = listener  # kept referenced: gunicorn serves its file descriptor
        self.options: dict[str, Any] = {
            "bind": [f"fd://{listener.fileno()}"],
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": timeout,
            "graceful_timeout": 10,
            "keepalive": 5,
            "preload_app": True,
            "proc_name": "bonta",
            "accesslog": None,  # request lines would carry patient ids in paths
            "errorlog": "-",
            "loglevel": "info",
            "control_socket_disable": True,  # several servers on one host must not clash
            "when_ready": lambda arbiter: on_ready(),
            "post_worker_init": lambda worker: start_sealer(),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from bonta.wsgi import application

        return application


SEAL_EVERY = 1.0  # seconds between sealing passes
SWEEP_EVERY = 1.0  # seconds between sweeps of the recall marks (every mark: workers defer)


def start_sealer() -> threading.Thread:
    """In a freshly forked worker: after-commit recall refreshes deferred to the background
    sweep, and the background thread (one process seals and sweeps)."""
    from django.conf import settings

    from bonta.appointments.services.stale import defer_to_background

    defer_to_background()
    thread = threading.Thread(
        target=_background,
        args=(settings.DATA_DIR / "audit-sealer.lock",),
        name="bonta-background",
        daemon=True,
    )
    thread.start()
    return thread


def _background(lock_file: Path, interval: float = SEAL_EVERY) -> None:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(interval)  # another process does it
                continue
            logging.getLogger("bonta.audit.sealer").info("audit sealer running in this process")
            background_loop(interval)


def background_loop(
    interval: float = SEAL_EVERY, sweep_every: float = SWEEP_EVERY, passes: int | None = None
) -> None:
    """Seal every `interval` seconds, sweep stale recall marks every `sweep_every` (both log
    their errors and carry on); forever, or `passes` times (tests)."""
    from datetime import timedelta

    from bonta.appointments.services.stale import sweep_quietly
    from bonta.audit.sealer import seal_quietly

    last_sweep = float("-inf")
    done = 0
    while passes is None or done < passes:
        seal_quietly()
        if time.monotonic() - last_sweep >= sweep_every:
            sweep_quietly(older_than=timedelta(0))  # no worker hook is running for any mark
            last_sweep = time.monotonic()
        done += 1
        if passes is None or done < passes:
            time.sleep(interval)
