"""API fixtures: a test client per persona, each with its own bearer token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.accounts.tokens import issue_token
from records.clinic import alice, dr_grey, dr_okafor, max_manager, nurse_noor, rita_reception  # noqa: F401
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only


class ApiClient:
    """Sends JSON with `Authorization: Bearer <key>`; returns (status, parsed body)."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        send = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        response = send(path, **kwargs)
        content = response.content
        return response.status_code, json.loads(content) if content else None

    def get(self, path: str) -> tuple[int, Any]:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, {} if body is None else body)

    def put(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("PUT", path, body)


def client_for(user: User) -> ApiClient:
    _, key = issue_token(user, "tests")
    return ApiClient(key)


@pytest.fixture
def as_grey(dr_grey: User) -> ApiClient:  # noqa: F811 - the imported fixture
    return client_for(dr_grey)


@pytest.fixture
def as_okafor(dr_okafor: User) -> ApiClient:  # noqa: F811 - the imported fixture
    return client_for(dr_okafor)


@pytest.fixture
def as_noor(nurse_noor: User) -> ApiClient:  # noqa: F811 - the imported fixture
    return client_for(nurse_noor)


@pytest.fixture
def as_rita(rita_reception: User) -> ApiClient:  # noqa: F811 - the imported fixture
    return client_for(rita_reception)


@pytest.fixture
def anonymous(db: None) -> ApiClient:
    return ApiClient(None)
