"""The headache-diary page: who sees it, what it plots, and its import and score forms.

Dr Grey (clinician) sees and writes; Max (manager) reads only; Rita (reception) is refused.
Alice has a chronic-migraine course with two signed sessions, 12 weeks apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.migraine.diary_csv import format_diary_csv
from bonta.migraine.models import DiaryEntry, QuestionnaireResponse
from bonta.migraine.services import local_today
from bonta.records.models import Patient
from migraine.conftest import signed_migraine_sessions
from records.clinic import make_patient
from web.conftest import counts

TODAY = local_today()
FIRST = TODAY - timedelta(days=120)
SECOND = FIRST + timedelta(weeks=12)


@pytest.fixture
def migraine_patient(alice: Patient, dr_grey: User) -> Patient:
    signed_migraine_sessions(alice, dr_grey, FIRST, SECOND)
    return alice


@pytest.fixture
def unchanged_records() -> Callable[[], None]:
    """Like `unchanged`, but the page's audited reads (`diary.summary`) are not writes."""
    before = counts()

    def check() -> None:
        after = counts()
        assert after.pop("writes audited") >= before.pop("writes audited")
        assert after == before

    return check


def diary_writes() -> list[str]:
    actions = AuditEvent.objects.filter(action__startswith="diary.").values_list(
        "action", flat=True
    )
    return [a for a in actions if a != "diary.summary"]


def a_day(on: date) -> DiaryDay:
    if on.toordinal() % 2:
        return DiaryDay(on, headache=False)
    return DiaryDay(
        on,
        headache=True,
        hours=Decimal(5),
        intensity=3,
        unilateral=True,
        pulsating=True,
        nausea=True,
        photophobia=True,
        phonophobia=True,
        acute_medication=frozenset({MedicationClass.TRIPTAN}),
    )


def diary_csv(first: date, last: date) -> str:
    return format_diary_csv(
        a_day(first + timedelta(days=n)) for n in range((last - first).days + 1)
    )


def upload(client: Client, patient: Patient, text: str) -> object:
    file = SimpleUploadedFile("diary.csv", text.encode(), content_type="text/csv")
    return client.post(f"/patients/{patient.pk}/diary/import/", {"file": file})


def page(client: Client, patient: Patient) -> str:
    response = client.get(f"/patients/{patient.pk}/diary/")
    assert response.status_code == 200
    return response.content.decode()


def imported(client: Client, patient: Patient, first: date) -> None:
    response = upload(client, patient, diary_csv(first, TODAY))
    assert response.status_code == 302  # type: ignore[attr-defined]


# ---- who sees it -------------------------------------------------------------------------------


def test_the_chart_links_to_the_diary_only_for_a_chronic_migraine_course(
    as_grey: Client, migraine_patient: Patient, dr_grey: User
) -> None:
    assert (
        f"/patients/{migraine_patient.pk}/diary/"
        in as_grey.get(f"/patients/{migraine_patient.pk}/").content.decode()
    )
    other = make_patient(dr_grey, record_number="C-009")
    html = as_grey.get(f"/patients/{other.pk}/").content.decode()
    assert "/diary/" not in html
    assert as_grey.get(f"/patients/{other.pk}/diary/").status_code == 404


def test_a_clinician_sees_the_diary_page(as_grey: Client, migraine_patient: Patient) -> None:
    html = page(as_grey, migraine_patient)
    assert "Headache diary" in html
    assert "NICE TA260" in html
    assert "Import diary CSV" in html


def test_a_manager_reads_the_page_but_gets_no_forms_and_cannot_import(
    as_max: Client, migraine_patient: Patient
) -> None:
    html = page(as_max, migraine_patient)
    assert "Import diary CSV" not in html
    response = upload(as_max, migraine_patient, diary_csv(FIRST, TODAY))
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert DiaryEntry.objects.count() == 0


def test_reception_is_refused_the_page_and_the_import(
    as_rita: Client, migraine_patient: Patient, unchanged_records: Callable[[], None]
) -> None:
    response = as_rita.get(f"/patients/{migraine_patient.pk}/diary/")
    assert response.status_code == 403
    assert "Headache diary" not in response.content.decode()
    assert upload(as_rita, migraine_patient, diary_csv(FIRST, TODAY)).status_code == 403  # type: ignore[attr-defined]
    assert DiaryEntry.objects.count() == 0
    assert diary_writes() == []
    unchanged_records()


# ---- the plot ----------------------------------------------------------------------------------


def test_the_plot_has_one_bar_group_per_period_and_a_marker_per_injection(
    as_grey: Client, migraine_patient: Patient
) -> None:
    imported(as_grey, migraine_patient, FIRST - timedelta(days=28))
    html = page(as_grey, migraine_patient)
    labels = re.findall(r'<g class="period[^"]*" data-period="([^"]+)"', html)
    # baseline, then period 1 … the period holding today (120 days since the first injection)
    assert labels == ["baseline", "period 1", "period 2", "period 3", "period 4", "period 5"]
    markers = re.findall(r'class="injection-marker" data-date="([^"]+)"', html)
    assert markers == [FIRST.isoformat(), SECOND.isoformat()]
    assert 'class="baseline-line"' in html


def test_a_good_csv_shows_its_periods_and_their_counts(
    as_grey: Client, migraine_patient: Patient
) -> None:
    response = upload(as_grey, migraine_patient, diary_csv(FIRST - timedelta(days=28), TODAY))
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert DiaryEntry.objects.filter(patient=migraine_patient).count() == 28 + 121
    html = as_grey.get(response["Location"]).content.decode()  # type: ignore[index]
    assert "149 diary days imported (0 replaced)." in html
    baseline_row = re.search(r'<tr class="row-baseline">(.*?)</tr>', html, re.S)
    assert baseline_row is not None
    assert "28 / 28" in baseline_row.group(1)
    assert "<td>14</td>" in baseline_row.group(1)  # every other day a headache


def test_missing_days_are_shown_as_missing(as_grey: Client, migraine_patient: Patient) -> None:
    imported(as_grey, migraine_patient, FIRST - timedelta(days=20))  # 8 baseline days lost
    html = page(as_grey, migraine_patient)
    assert "20 / 28" in html
    assert "8 missing" in html
    assert 'class="bar-headache missing"' in html


def test_a_bad_csv_shows_its_line_numbered_error_and_writes_nothing(
    as_grey: Client, migraine_patient: Patient, unchanged_records: Callable[[], None]
) -> None:
    lines = diary_csv(FIRST, FIRST + timedelta(days=3)).splitlines()
    on = FIRST + timedelta(days=1)
    lines[2] = f"{on.isoformat()},1,25,3,1,1,0,1,0,1,1,0,0,0,triptan"  # line 3: 25 hours
    bad = "\n".join(lines) + "\n"
    response = upload(as_grey, migraine_patient, bad)
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    error = re.search(r'<p class="error" id="id_file-error" role="alert">([^<]*)</p>', html)
    assert error is not None
    assert error.group(1).startswith("line 3: hours")
    assert DiaryEntry.objects.count() == 0
    assert diary_writes() == []
    unchanged_records()


# ---- scores ------------------------------------------------------------------------------------


def test_a_hit6_with_a_missing_item_is_refused_next_to_that_item(
    as_grey: Client, migraine_patient: Patient
) -> None:
    answers = {f"item_{n}": "sometimes" for n in range(1, 7)} | {"item_3": ""}
    response = as_grey.post(
        f"/patients/{migraine_patient.pk}/diary/hit6/",
        {"completed_on": TODAY.isoformat(), **answers},
    )
    assert response.status_code == 422
    assert 'id="id_item_3-error"' in response.content.decode()
    assert QuestionnaireResponse.objects.count() == 0


def test_a_hit6_and_a_midas_are_scored_and_listed(
    as_grey: Client, migraine_patient: Patient
) -> None:
    answers = {f"item_{n}": "sometimes" for n in range(1, 7)}
    url = f"/patients/{migraine_patient.pk}/diary/"
    assert as_grey.post(url + "hit6/", {"completed_on": TODAY, **answers}).status_code == 302
    midas = {"q1": 3, "q2": 2, "q3": 1, "q4": 0, "q5": 4, "a": 20, "b": ""}
    assert as_grey.post(url + "midas/", {"completed_on": TODAY, **midas}).status_code == 302
    scores = dict(QuestionnaireResponse.objects.values_list("instrument", "score"))
    assert scores == {"hit6": 6 * 10, "midas": 10}
    html = page(as_grey, migraine_patient)
    assert "<td>HIT-6</td><td>60</td>" in html
    assert "<td>MIDAS</td><td>10</td>" in html
    assert "Item 1" in html
    assert "Q5" in html


def test_a_midas_over_the_days_in_three_months_is_refused_on_its_field(
    as_grey: Client, migraine_patient: Patient
) -> None:
    midas = {"q1": 60, "q2": 40, "q3": 0, "q4": 0, "q5": 0}
    response = as_grey.post(
        f"/patients/{migraine_patient.pk}/diary/midas/", {"completed_on": TODAY, **midas}
    )
    assert response.status_code == 422
    assert 'id="id_q2-error"' in response.content.decode()
    assert QuestionnaireResponse.objects.count() == 0


# ---- performance and CSP -----------------------------------------------------------------------


def page_queries(client: Client, patient: Patient) -> int:
    client.get("/patients/")  # the once-a-minute session touch happens here, not below
    with CaptureQueriesContext(connection) as captured:
        page(client, patient)
    return len(captured)


def test_the_page_query_count_does_not_grow_with_the_diary(
    as_grey: Client, dr_grey: User, migraine_patient: Patient
) -> None:
    short = make_patient(dr_grey, record_number="S-001")
    signed_migraine_sessions(short, dr_grey, FIRST, SECOND)
    upload(as_grey, short, diary_csv(TODAY - timedelta(days=10), TODAY))
    imported(as_grey, migraine_patient, TODAY - timedelta(days=700))
    assert page_queries(as_grey, short) == page_queries(as_grey, migraine_patient)


def test_the_page_has_no_inline_script_or_style(as_grey: Client, migraine_patient: Patient) -> None:
    imported(as_grey, migraine_patient, FIRST - timedelta(days=28))
    html = page(as_grey, migraine_patient)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html
    assert "<style" not in html
    assert "https://" not in html
