"""The idle timer restarts on activity, with at most one session write a minute."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from bonta.web.middleware import SlidingSessionMiddleware


@pytest.fixture
def signed_in(client: Client, django_user_model) -> Client:
    django_user_model.objects.create_user("ivy", password="correct-horse-9", role="clinician")
    assert (
        client.post("/login/", {"username": "ivy", "password": "correct-horse-9"}).status_code
        == 302
    )
    return client


@pytest.mark.django_db
def test_activity_extends_the_session_but_writes_it_at_most_once_a_minute(signed_in, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr("bonta.web.middleware.time.time", lambda: clock[0])
    signed_in.get("/patients/")
    first = Session.objects.get().expire_date
    clock[0] += 10
    signed_in.get("/patients/")
    assert Session.objects.get().expire_date == first  # within the minute: not re-saved
    clock[0] += SlidingSessionMiddleware.TOUCH_EVERY_SECONDS
    signed_in.get("/patients/")
    assert Session.objects.get().expire_date >= first  # touched again: a fresh expiry


@pytest.mark.django_db
def test_an_anonymous_request_creates_no_session(client: Client) -> None:
    client.get("/login/")
    client.get("/guide/")
    assert Session.objects.count() == 0
