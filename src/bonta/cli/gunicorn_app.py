"""The gunicorn application behind `bonta serve` (imported only by that command).

Configured in code, not from a file or the command line: gunicorn's own argv parsing is never
run (`bonta serve`'s options are already parsed). The socket arrives already bound, and the
Django application is loaded once in the parent (`preload_app`) so workers fork with it warm.

The audit sealer (`bonta.audit.sealer`) runs as a thread in exactly one worker process: each
worker starts one after it forks (`post_worker_init`), and a file lock in the data folder lets
only one of them seal; if that worker exits, another takes over within a second. Not in the
parent: a thread running there while it forks workers could leave a child holding a lock
(SQLite's, the allocator's) that no thread in the child will ever release.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
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


def start_sealer() -> None:
    """In a freshly forked worker: the background sealer thread (one process seals)."""
    from django.conf import settings

    from bonta.audit.sealer import start_background

    start_background(settings.DATA_DIR / "audit-sealer.lock")
