"""Secret URL tokens never reach the server log (bonta.web.logs, settings.LOGGING).

The security test found a live portal-invitation token, and reminder opt-out tokens, in the
log lines Django writes for a 4xx ("Unprocessable Content: /portal/invite/<token>/").
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver

from bonta.portal.services.invitations import invite_patient
from bonta.reminders import preferences
from bonta.web.logs import redact

pytestmark = pytest.mark.django_db


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_a_live_invitation_token_is_not_logged_on_422(caplog, alice, rita_reception) -> None:
    _, token = invite_patient(alice, by=rita_reception)
    with caplog.at_level(logging.WARNING):
        response = Client().post(f"/portal/invite/{token}/", {"username": ""})
    assert response.status_code == 422
    assert "/portal/invite/[redacted]/" in _logged(caplog)
    assert token not in _logged(caplog)


def test_an_unusable_invitation_token_is_not_logged(caplog, db) -> None:
    with caplog.at_level(logging.WARNING):
        response = Client().get("/portal/invite/some-guessed-token-value/")
    assert response.status_code == 410
    assert "some-guessed-token-value" not in _logged(caplog)


def test_an_opt_out_token_is_not_logged_on_404(caplog, db) -> None:
    token = preferences.opt_out_token(uuid.uuid4())  # well-formed, for no reminder
    with caplog.at_level(logging.WARNING):
        response = Client().get(f"/reminders/opt-out/{token}/")
    assert response.status_code == 404
    logged = _logged(caplog)
    assert "/reminders/opt-out/[redacted]/" in logged
    assert token not in logged
    assert token.split(":")[0] not in logged


def test_the_console_handler_redacts_records_of_any_logger() -> None:
    (console,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    args = ("/portal/invite/abc/",)
    record = logging.LogRecord("bonta.x", logging.WARNING, __file__, 1, "Failed: %s", args, None)
    assert console.filter(record)
    assert record.getMessage() == "Failed: /portal/invite/[redacted]/"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Not Found: /portal/invite/abc/", "Not Found: /portal/invite/[redacted]/"),
        ("GET /reminders/opt-out/x:y/ 404", "GET /reminders/opt-out/[redacted]/ 404"),
        ("Bad Request: /portal/?token=s3cret&x=1", "Bad Request: /portal/?token=[redacted]&x=1"),
        ("Not Found: /patients/nope/", "Not Found: /patients/nope/"),
        ("Not Found: /api/patients/1/flags", "Not Found: /api/patients/1/flags"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_every_url_with_a_token_parameter_is_covered() -> None:
    """A URL pattern capturing a secret must call it `token` (what the filter redacts)."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, route)
            elif ":token>" in route:
                found.append(route)

    walk(get_resolver().url_patterns, "/")
    assert sorted(found) == ["/portal/invite/<str:token>/", "/reminders/opt-out/<str:token>/"]
    for route in found:
        path = route.replace("<str:token>", "SECRET")
        assert "SECRET" not in redact(f"Not Found: {path}")
