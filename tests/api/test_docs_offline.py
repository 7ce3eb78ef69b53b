"""The API docs work on a clinic LAN with no internet: nothing is loaded from another host."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_api_docs_load_nothing_from_another_host(client: Client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(r'(?:src|href)="https?://', html) == []
    assert "/static/ninja/swagger-ui-bundle.js" in html
