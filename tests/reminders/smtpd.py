"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrived, and can be told to
refuse: the tests read the messages the worker sent, byte for byte."""

from __future__ import annotations

import re
import socket
import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message_id(self) -> str:
        head = self.data.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        return found.group(1).decode() if found else ""

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default)  # type: ignore[return-value]


class Recorder:
    """The aiosmtpd handler. `rcpt_replies` / `data_replies`: replies to give instead of
    accepting, one per message, in order (e.g. "450 4.2.1 Mailbox busy")."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_replies: deque[str] = deque()
        self.data_replies: deque[str] = deque()
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.popleft()
        with self._lock:
            self.received.append(
                Received(
                    envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.original_content)
                )
            )
        return "250 2.0.0 Queued"

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def message_ids(self) -> list[str]:
        with self._lock:
            return [r.message_id for r in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class DropsDuringData:
    """A server that takes the whole message, then closes without replying: the one case
    where the sender cannot know whether the message was delivered."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bodies = 0
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DropsDuringData:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError:
            return
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 test ESMTP\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 test\r\n")
                elif verb in (b"MAIL", b"RCPT", b"RSET"):
                    conn.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    for body_line in lines:
                        if body_line == b".\r\n":
                            break
                    self.bodies += 1
                    return  # the connection closes with no reply to the message
