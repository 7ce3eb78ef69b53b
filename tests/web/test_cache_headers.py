"""No page with patient data may be cached: `Cache-Control: no-store` everywhere but the public
guide and static files (bonta.web.middleware.NoStoreMiddleware)."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.accounts.models import Role
from bonta.accounts.tokens import issue_token
from bonta.portal.models import PortalAccount
from bonta.records.models import Course
from records.clinic import make_user

pytestmark = pytest.mark.django_db


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]
    assert response["Pragma"] == "no-cache"


def test_the_chart_and_the_workspace_are_not_stored(as_grey: Client, alice, draft) -> None:
    for url in (f"/patients/{alice.pk}/", f"/encounters/{draft.pk}/", "/patients/", "/"):
        response = as_grey.get(url)
        assert response.status_code in (200, 302)
        assert_no_store(response)


def test_api_answers_and_errors_are_not_stored(dr_grey, alice) -> None:
    _, key = issue_token(dr_grey, "tests")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    for url, status in ((f"/api/patients/{alice.pk}", 200), ("/api/patients/nope", 422)):
        response = client.get(url)
        assert response.status_code == status
        assert_no_store(response)
    assert_no_store(Client().get("/api/patients"))  # 401


def test_portal_pages_are_not_stored(alice) -> None:
    Course.objects.create(patient=alice, pathway="chronic_migraine", started_on="2025-01-06")
    user = make_user("alice", Role.PATIENT)
    PortalAccount.objects.create(user=user, patient=alice)
    client = Client()
    client.force_login(user)
    for url in ("/portal/", "/portal/diary/"):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_store(response)
    assert_no_store(Client().get("/portal/invite/not-a-token/"))


def test_sign_in_and_not_found_pages_are_not_stored(client: Client, as_grey: Client) -> None:
    assert_no_store(client.get("/login/"))
    assert_no_store(as_grey.get("/patients/00000000-0000-0000-0000-000000000000/"))


def test_static_files_and_the_public_guide_stay_cacheable(client: Client) -> None:
    static = client.get("/static/bonta/bonta.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
    assert "Pragma" not in static
    guide = client.get("/guide/")
    assert guide.status_code == 200
    assert "no-store" not in guide.get("Cache-Control", "")
    assert "Pragma" not in guide
