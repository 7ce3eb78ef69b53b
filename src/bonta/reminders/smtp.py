"""Hand one message to the SMTP server and say exactly what is known about its fate.

`send` speaks MAIL, RCPT and DATA itself (rather than `smtplib.sendmail`) to know the phase a
failure happened in:

- before the first byte of the message body, nothing was handed over: a refusal or a lost
  connection means "not delivered" (4xx and network errors: try again later; 5xx: failed);
- from the first byte of the body until the server's reply, a lost connection leaves the
  outcome UNKNOWN: the server may have queued the message. The caller must not resend it.
- a 250 reply to the body is acceptance: the server has taken responsibility (RFC 5321 §4.2.5).

Outcome codes are short and free of server text, which may echo the recipient's address.
"""

from __future__ import annotations

import contextlib
import enum
import re
import smtplib
import ssl
from dataclasses import dataclass

from bonta.reminders.config import SmtpConfig


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    RETRY = "retry"  # not delivered; a temporary problem
    FAILED = "failed"  # not delivered; permanently refused
    UNKNOWN = "unknown"  # may or may not have been delivered


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    code: str = ""


class ServerUnavailable(Exception):
    """The server could not be reached or refused the session (not any one message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Sender:
    """One SMTP session, opened on demand and reused for a batch of messages."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    @property
    def connected(self) -> bool:
        return self._smtp is not None

    def connect(self) -> None:
        if self._smtp is not None:
            return
        cfg = self.config
        smtp: smtplib.SMTP | None = None
        try:
            if cfg.tls == "tls":
                smtp = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_seconds, context=_tls_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
            smtp.ehlo()
            if cfg.tls == "starttls":
                smtp.starttls(context=_tls_context())
                smtp.ehlo()
            if cfg.user:
                smtp.login(cfg.user, cfg.password)
        except (smtplib.SMTPException, OSError) as error:
            _close(smtp)
            raise ServerUnavailable(_session_code(error)) from None
        self._smtp = smtp

    def send(self, message: bytes, recipient: str) -> Result:
        """Deliver `message` (CRLF line endings) to `recipient`; say what is known."""
        if not recipient.isascii():  # would need SMTPUTF8; refused before anything is sent
            return Result(Outcome.FAILED, "recipient_not_ascii")
        smtp = self._smtp
        if smtp is None:
            raise RuntimeError("connect() first")
        try:
            code, _ = smtp.mail(self.config.sender)
            if code != 250:
                return self._refused(code)
            code, _ = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(code)
            smtp.putcmd("data")
            code, _ = smtp.getreply()
            if code != 354:
                return self._refused(code)
        except (smtplib.SMTPException, OSError) as error:
            self.drop()
            return Result(Outcome.RETRY, _network_code(error))
        # The point of no return: once body bytes leave, a lost reply is an unknown outcome.
        try:
            smtp.send(_dot_stuffed(message))
            code, _ = smtp.getreply()
        except (smtplib.SMTPException, OSError):
            self.drop()
            return Result(Outcome.UNKNOWN, "lost_during_data")
        if code == 250:
            return Result(Outcome.ACCEPTED)
        return self._refused(code)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close(smtp)

    def drop(self) -> None:
        """Forget a broken session; the next message reconnects."""
        smtp, self._smtp = self._smtp, None
        _close(smtp)

    def _refused(self, code: int) -> Result:
        """The server said no to this message: nothing was delivered."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.drop()
        if 500 <= code <= 599:
            return Result(Outcome.FAILED, f"smtp_{code}")
        return Result(Outcome.RETRY, f"smtp_{code}")


def _dot_stuffed(message: bytes) -> bytes:
    """The DATA payload (RFC 5321 §4.5.2): leading dots doubled, ended by CRLF.CRLF."""
    body = re.sub(rb"(?m)^\.", b"..", message)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # verifies the certificate and host name


def _session_code(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"auth_{error.smtp_code}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return "starttls_unsupported"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"smtp_{error.smtp_code}"
    if isinstance(error, ssl.SSLError):
        return "tls_error"
    return _network_code(error)


def _network_code(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "disconnected"
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"smtp_{error.smtp_code}"
    return "network_error"


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
