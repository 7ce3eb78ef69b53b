"""Keep secrets out of the server log: a logging filter that redacts URL tokens.

Django's request logging names the path of every 4xx/5xx ("Not Found: /portal/invite/<token>/"),
and a portal invitation or a reminder opt-out link carries its secret in the path. The filter
(settings.LOGGING, on the request loggers and on every handler) rewrites a record's message
before any handler writes it:

- a path segment captured by a URL parameter named `token` (any app's URL pattern: name a
  secret path parameter `token` and it is covered) becomes `[redacted]`;
- the value of a query parameter named in SECRET_QUERY_PARAMETERS becomes `[redacted]`.

The path is resolved with the project's URLconf, so the filter follows the URL patterns rather
than a copy of them. If resolving fails unexpectedly, the whole path is redacted (fail safe).
"""

from __future__ import annotations

import logging
import re

from django.urls import Resolver404, resolve

SECRET_PATH_PARAMETERS = frozenset({"token"})
SECRET_QUERY_PARAMETERS = frozenset({"token", "key", "code"})
REDACTED = "[redacted]"

PATH = re.compile(r"(?<![\w.:/])/[^\s\"'<>?#]*(?:\?[^\s\"'<>#]*)?")
QUERY_VALUE = re.compile(
    r"([?&](?:" + "|".join(sorted(SECRET_QUERY_PARAMETERS)) + r")=)[^&\s\"'<>#]*", re.IGNORECASE
)


def redact(text: str) -> str:
    """`text` with every secret URL token replaced by [redacted]."""
    return PATH.sub(lambda found: _redact_url(found.group(0)), text)


def _redact_url(url: str) -> str:
    path, mark, query = url.partition("?")
    return _redact_path(path) + mark + QUERY_VALUE.sub(r"\1" + REDACTED, mark + query)[1:]


def _redact_path(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return path
    except Exception:  # the URLconf is not loadable here: say nothing rather than too much
        return REDACTED
    secrets = {str(v) for k, v in match.kwargs.items() if k in SECRET_PATH_PARAMETERS and v}
    if not secrets:
        return path
    return "/".join(REDACTED if part in secrets else part for part in path.split("/"))


class RedactSecrets(logging.Filter):
    """Rewrite the record's message with `redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
