"""Calendar and booking dates outside the supported years: a clear 400, never a server error.

The security test found `/appointments/?date=9999-12-31` and `date=0001-01-01` answering 500
(the week and previous/next links step outside Python's date range).
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_grey(dr_grey) -> Client:
    client = Client()
    client.force_login(dr_grey)
    return client


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_a_date_outside_the_supported_years_is_a_clear_400(as_grey, view, day):
    response = as_grey.get("/appointments/", {"view": view, "date": day})
    assert response.status_code == 400
    assert "The calendar shows dates from 1900 to 2999" in response.content.decode()


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_supported_days_show(as_grey, day):
    for view in ("day", "week"):
        assert as_grey.get("/appointments/", {"view": view, "date": day}).status_code == 200


def test_the_booking_page_ignores_an_out_of_range_date(as_grey, dr_grey):
    response = as_grey.get("/appointments/book/", {"date": "9999-12-31", "clinician": dr_grey.pk})
    assert response.status_code == 200
