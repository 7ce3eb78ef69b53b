"""The appointments pages: day and week views (DST included), booking, moving, cancelling,
no-show and attended, every refusal re-rendered with the service's message and nothing
written, who may open what, and what the audit log keeps."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.models import Appointment
from bonta.appointments.services import book_appointment, booking, cancel_appointment
from bonta.appointments.services.booking import mark_attended
from bonta.audit.models import AuditEvent
from bonta.records import services
from bonta.records.errors import Conflict
from records.clinic import (
    glabellar_session,
    make_patient,
    make_user,
    make_vial,
    preempt_session,
)

# The booking clock (conftest.NOW) is Monday 10 March 2025, 09:00 UTC.
pytestmark = pytest.mark.django_db

TOMORROW_10 = datetime(2025, 3, 11, 10, 0, tzinfo=UTC)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_grey(dr_grey):
    return client_for(dr_grey)


@pytest.fixture
def as_rita(rita_reception):
    return client_for(rita_reception)


def book(patient, by, clinician, starts_at=TOMORROW_10, minutes=30, **kwargs):
    fields = {"pathway": "cosmetic", "kind": "consultation"} | kwargs
    return book_appointment(
        patient, by=by, clinician=clinician, starts_at=starts_at, duration_minutes=minutes, **fields
    )


def writes():
    """Appointments as stored, and audited writes (reads are audited too, and do not count)."""
    rows = list(Appointment.objects.values_list("id", "status", "starts_at", "duration_minutes"))
    audited = AuditEvent.objects.filter(
        action__in=[
            "appointment.book",
            "appointment.move",
            "appointment.cancel",
            "appointment.no_show",
            "appointment.attend",
        ]
    ).count()
    return rows, audited


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(who, clinician, **changes):
    data = {
        "patient": str(who.pk),
        "clinician": str(clinician.pk),
        "pathway": "cosmetic",
        "kind": "consultation",
        "date": "2025-03-11",
        "time": "10:00",
        "duration_minutes": "30",
        "clinic": "",
    }
    return data | changes


# ---- day and week views --------------------------------------------------------------------


def test_the_day_view_shows_each_appointment_with_patient_kind_pathway_and_status(
    as_rita, alice, dr_grey, nurse_noor
):
    book(alice, dr_grey, dr_grey, kind="touch_up")
    book(alice, dr_grey, nurse_noor, pathway="chronic_migraine", kind="cycle")
    page = text(as_rita.get("/appointments/?view=day&date=2025-03-11"))
    assert "Tuesday 11 March 2025" in page
    assert page.count('<span class="appt-who">Archer, Alice <span class="appt-rec">A-001') == 2
    assert "A-001" in page
    assert "appt-cosmetic" in page
    assert "appt-chronic_migraine" in page
    assert "Touch-up" in page
    assert "Next treatment cycle" in page
    assert "st-booked" in page
    # 10:00 is row 25 when the clinic opens at 08:00 (rows of 5 minutes); 30 minutes = 6 rows
    assert re.search(r'class="appt at-25 len-6 lane-1 span-1 appt-cosmetic st-booked', page)
    # one column per clinician (dr_grey and nurse_noor) in the all-clinicians day view
    assert page.count('class="cal-col ') == 2


def test_the_day_view_reads_in_a_fixed_number_of_queries(as_grey, alice, dr_grey):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert as_grey.get("/appointments/?date=2025-03-11").status_code == 200
        return len(captured.captured_queries)

    book(alice, dr_grey, dr_grey)
    queries()  # the first request also saves the session (sliding idle time)
    one = queries()
    for hour in range(11, 15):
        book(make_patient(dr_grey, f"P-{hour}"), dr_grey, dr_grey, TOMORROW_10.replace(hour=hour))
    assert queries() == one


def test_overlapping_appointments_of_two_clinicians_share_a_week_column_side_by_side(
    as_grey, alice, dr_grey, nurse_noor
):
    book(alice, dr_grey, dr_grey)
    book(alice, dr_grey, nurse_noor, starts_at=TOMORROW_10 + timedelta(minutes=15))
    page = text(as_grey.get("/appointments/?view=week&date=2025-03-12&clinician=all"))
    assert "10 Mar – 16 Mar 2025" in page
    assert page.count('class="cal-col ') == 7
    assert 'class="cal-col lanes-2' in page
    assert "lane-1 span-1" in page
    assert "lane-2 span-1" in page
    assert "· nurse_noor" in page  # the clinician is named in the all-clinicians week


def test_one_clinicians_week_shows_only_theirs(as_grey, alice, dr_grey, nurse_noor):
    book(alice, dr_grey, dr_grey, kind="review")
    book(alice, dr_grey, nurse_noor, kind="touch_up")
    page = text(as_grey.get(f"/appointments/?view=week&date=2025-03-11&clinician={dr_grey.pk}"))
    assert "Review" in page
    assert "Touch-up" not in page


def test_navigation_links_step_a_day_or_a_week_and_today_comes_back(as_grey):
    page = text(as_grey.get("/appointments/?view=week&date=2025-03-12"))
    assert "?view=week&date=2025-03-05&clinician=all" in page
    assert "?view=week&date=2025-03-19&clinician=all" in page
    assert "?view=week&date=2025-03-10&clinician=all" in page  # today (the booking clock)
    day = text(as_grey.get("/appointments/"))
    assert "Monday 10 March 2025" in day
    assert "?view=day&date=2025-03-09&clinician=all" in day


def test_past_times_are_not_offered_for_booking_and_now_is_marked(as_grey, dr_grey):
    page = text(as_grey.get(f"/appointments/?date=2025-03-10&clinician={dr_grey.pk}"))
    assert f"/appointments/book/?date=2025-03-10&clinician={dr_grey.pk}&next=" in page
    assert '&time=08:45"' not in page
    assert '&time=09:00"' in page  # NOW is 09:00: a walk-in start is allowed
    assert '<span class="now-line at-13"' in page


def test_a_bad_date_or_clinician_is_a_clear_400(as_grey):
    response = as_grey.get("/appointments/?date=2025-02-30")
    assert response.status_code == 400
    assert "Enter a valid date" in text(response)
    response = as_grey.get("/appointments/?clinician=nobody")
    assert response.status_code == 400
    assert "No such clinician" in text(response)


def test_a_clinician_with_an_appointment_outside_clinic_hours_widens_the_grid(
    as_grey, alice, dr_grey
):
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 3, 11, 19, 30, tzinfo=UTC))
    page = text(as_grey.get("/appointments/?date=2025-03-11"))
    assert ">19:00</span>" in page  # the 19:00 hour row is shown though the clinic shuts at 19


# ---- DST: the clinic's local time, UTC at rest ---------------------------------------------


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def test_spring_forward_week_puts_9am_gmt_and_9am_bst_in_the_same_row(
    london, as_grey, alice, dr_grey
):
    # Clocks go forward on Sunday 30 March 2025 at 01:00 UTC.
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 3, 29, 9, 0, tzinfo=UTC))  # 09:00 GMT
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 3, 30, 8, 0, tzinfo=UTC))  # 09:00 BST
    page = text(as_grey.get(f"/appointments/?view=week&date=2025-03-26&clinician={dr_grey.pk}"))
    assert len(re.findall(r'class="appt at-13 len-6 ', page)) == 2
    assert page.count(">09:00<span") == 2


def test_fall_back_week_keeps_local_times(london, as_grey, alice, dr_grey, monkeypatch):
    monkeypatch.setattr(booking, "now", lambda: datetime(2025, 10, 1, tzinfo=UTC))
    # Clocks go back on Sunday 26 October 2025 at 01:00 UTC.
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 10, 25, 8, 0, tzinfo=UTC))  # 09:00 BST
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 10, 26, 9, 0, tzinfo=UTC))  # 09:00 GMT
    page = text(as_grey.get(f"/appointments/?view=week&date=2025-10-22&clinician={dr_grey.pk}"))
    assert len(re.findall(r'class="appt at-13 len-6 ', page)) == 2


def test_a_late_evening_appointment_is_on_its_local_day(london, as_grey, alice, dr_grey):
    # 23:30 UTC on 1 April is 00:30 BST on 2 April: the 2nd's column, not the 1st's.
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 4, 1, 23, 30, tzinfo=UTC))
    assert "Archer" not in text(as_grey.get("/appointments/?date=2025-04-01"))
    page = text(as_grey.get("/appointments/?date=2025-04-02"))
    assert ">00:30<span" in page


def test_a_booking_in_summer_is_stored_in_utc(london, as_grey, alice, dr_grey):
    data = form_data(alice, dr_grey, date="2025-03-31", time="09:00")
    assert as_grey.post("/appointments/book/", data).status_code == 302
    assert Appointment.objects.get().starts_at == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)


def test_a_time_the_clock_skips_is_refused_and_nothing_is_written(london, as_grey, alice, dr_grey):
    before = writes()
    response = as_grey.post(
        "/appointments/book/", form_data(alice, dr_grey, date="2025-03-30", time="01:30")
    )
    assert response.status_code == 422
    assert "01:30 on 2025-03-30 does not exist: the clocks go forward" in text(response)
    assert writes() == before


# ---- booking -------------------------------------------------------------------------------


def test_booking_from_a_slot_prefills_date_time_and_clinician(as_rita, dr_grey):
    page = text(
        as_rita.get(f"/appointments/book/?date=2025-03-11&time=14:15&clinician={dr_grey.pk}")
    )
    assert 'name="date" value="2025-03-11"' in page
    assert 'name="time" value="14:15"' in page
    assert f'<option value="{dr_grey.pk}" selected>' in page
    assert 'name="record_number"' in page  # no patient yet: reception types the record number


def test_booking_a_patient_by_record_number_and_coming_back_to_the_calendar(
    as_rita, alice, dr_grey, rita_reception
):
    data = form_data(alice, dr_grey, patient="", record_number="A-001")
    data["next"] = "/appointments/?view=week&date=2025-03-11&clinician=all"
    response = as_rita.post("/appointments/book/", data)
    assert response.status_code == 302
    assert response["Location"] == data["next"]
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.clinician, appointment.starts_at) == (
        alice,
        dr_grey,
        TOMORROW_10,
    )
    event = AuditEvent.objects.get(action="appointment.book")
    assert (event.actor_id, event.patient_id) == (rita_reception.pk, alice.pk)


def test_an_outside_next_url_is_ignored(as_grey, alice, dr_grey):
    data = form_data(alice, dr_grey) | {"next": "https://evil.example/"}
    response = as_grey.post("/appointments/book/", data)
    assert response["Location"] == "/appointments/?view=day&date=2025-03-11&clinician=all"


def test_the_first_free_quarter_hour_is_proposed_for_a_prefilled_day(as_grey, alice, dr_grey):
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 3, 11, 8, 0, tzinfo=UTC), minutes=45)
    page = text(
        as_grey.get(
            f"/appointments/book/?patient={alice.pk}&date=2025-03-11&clinician={dr_grey.pk}&kind=review"
        )
    )
    assert 'name="time" value="08:45"' in page
    assert 'name="duration_minutes" value="15"' in page  # a review is booked for 15 minutes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"date": "2025-03-10", "time": "08:59"},
            "time",
            "2025-03-10T08:59:00+00:00 is in the past (now 2025-03-10T09:00:00+00:00); "
            "book a start from now on",
        ),
        (
            {"time": "10:15"},
            "time",
            "2025-03-11T10:15:00+00:00 overlaps the clinician's appointment at "
            "2025-03-11T10:00:00+00:00 (30 min)",
        ),
        ({"kind": "facial"}, "kind", "unknown value 'facial' (known: review, cycle, "),
        ({"kind": "cycle"}, "kind", "a cycle appointment is on the chronic_migraine pathway only"),
        (
            {"pathway": "chronic_migraine", "kind": "touch_up"},
            "kind",
            "a touch_up appointment is on the cosmetic pathway only",
        ),
        ({"duration_minutes": "0"}, "duration_minutes", "must be 5 to 480 minutes"),
        ({"duration_minutes": "481"}, "duration_minutes", "must be 5 to 480 minutes"),
        ({"pathway": "filler"}, "pathway", "unknown pathway 'filler'"),
        ({"clinic": "x" * 65}, "clinic", "must be at most 64 characters"),
        ({"patient": "", "record_number": "Z-999"}, "record_number", "no patient has record"),
    ],
)
def test_bad_booking_input_shows_the_services_message_and_writes_nothing(
    as_grey, alice, dr_grey, changes, field, message
):
    book(alice, dr_grey, dr_grey)  # 10:00–10:30 tomorrow
    before = writes()
    response = as_grey.post("/appointments/book/", form_data(alice, dr_grey, **changes))
    assert response.status_code == 422
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message in text(response)
    assert writes() == before


def test_an_overlap_also_says_the_other_start_in_clinic_time(london, as_grey, alice, dr_grey):
    book(alice, dr_grey, dr_grey, starts_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC))  # 10:00 BST
    response = as_grey.post(
        "/appointments/book/", form_data(alice, dr_grey, date="2025-04-01", time="10:15")
    )
    assert "That appointment starts at 10:00 clinic time." in text(response)


# ---- one appointment: move, cancel, no-show, attended --------------------------------------


def test_moving_an_appointment(as_rita, alice, dr_grey, nurse_noor):
    appointment = book(alice, dr_grey, dr_grey)
    data = {
        "date": "2025-03-12",
        "time": "11:30",
        "duration_minutes": "45",
        "clinician": str(nurse_noor.pk),
        "reason_code": "clinician_unavailable",
    }
    response = as_rita.post(f"/appointments/{appointment.pk}/move/", data)
    assert response.status_code == 302
    moved = Appointment.objects.get()
    assert (moved.status, moved.starts_at, moved.duration_minutes, moved.clinician) == (
        "moved",
        datetime(2025, 3, 12, 11, 30, tzinfo=UTC),
        45,
        nurse_noor,
    )
    assert moved.reason_code == "clinician_unavailable"


def test_moving_into_another_appointment_is_refused_with_its_message(as_grey, alice, dr_grey):
    book(alice, dr_grey, dr_grey, starts_at=TOMORROW_10 + timedelta(hours=2))
    appointment = book(alice, dr_grey, dr_grey)
    before = writes()
    data = {"date": "2025-03-11", "time": "12:15", "duration_minutes": "30"}
    data["clinician"] = str(dr_grey.pk)
    response = as_grey.post(f"/appointments/{appointment.pk}/move/", data)
    assert response.status_code == 422
    assert "overlaps the clinician's appointment at 2025-03-11T12:00:00+00:00" in text(response)
    assert writes() == before


def test_cancelling_needs_a_reason_code(as_grey, alice, dr_grey):
    appointment = book(alice, dr_grey, dr_grey)
    before = writes()
    response = as_grey.post(f"/appointments/{appointment.pk}/cancel/", {"reason_code": ""})
    assert response.status_code == 422
    assert "is required" in text(response)
    response = as_grey.post(f"/appointments/{appointment.pk}/cancel/", {"reason_code": "because"})
    assert response.status_code == 422
    assert "unknown value 'because'" in text(response)
    assert writes() == before
    response = as_grey.post(
        f"/appointments/{appointment.pk}/cancel/", {"reason_code": "patient_unwell"}
    )
    assert response.status_code == 302
    assert Appointment.objects.get().status == "cancelled"


def test_a_cancelled_appointment_leaves_the_grid_and_is_listed_below(as_grey, alice, dr_grey):
    cancel_appointment(book(alice, dr_grey, dr_grey), by=dr_grey, reason_code="patient_request")
    page = text(as_grey.get("/appointments/?date=2025-03-11"))
    assert 'class="appt ' not in page
    assert "1 cancelled" in page
    assert "Patient's request" in page


def test_a_no_show_before_the_start_is_refused_with_the_reason(
    as_grey, alice, dr_grey, monkeypatch
):
    appointment = book(alice, dr_grey, dr_grey)
    before = writes()
    response = as_grey.post(f"/appointments/{appointment.pk}/no-show/")
    assert response.status_code == 409
    assert "has not started yet; it cannot be a no-show" in text(response)
    assert writes() == before
    monkeypatch.setattr(booking, "now", lambda: TOMORROW_10 + timedelta(minutes=20))
    assert as_grey.post(f"/appointments/{appointment.pk}/no-show/").status_code == 302
    assert Appointment.objects.get().status == "no_show"


def test_attended_from_the_day_of_the_visit_not_before(as_rita, alice, dr_grey, monkeypatch):
    appointment = book(alice, dr_grey, dr_grey)
    response = as_rita.post(f"/appointments/{appointment.pk}/attended/")
    assert response.status_code == 409
    assert "on a later day" in text(response)
    monkeypatch.setattr(booking, "now", lambda: TOMORROW_10 - timedelta(minutes=20))  # early
    assert as_rita.post(f"/appointments/{appointment.pk}/attended/").status_code == 302
    assert Appointment.objects.get().status == "attended"
    assert AuditEvent.objects.get(action="appointment.attend").detail == {
        "kind": "consultation",
        "pathway": "cosmetic",
        "status": "attended",
    }


def test_mark_attended_happens_once_and_not_after_a_cancellation(alice, dr_grey, monkeypatch):
    monkeypatch.setattr(booking, "now", lambda: TOMORROW_10)
    cancelled = book(alice, dr_grey, dr_grey)
    cancel_appointment(cancelled, by=dr_grey, reason_code="other")
    with pytest.raises(Conflict):
        mark_attended(cancelled, by=dr_grey)
    seen = book(alice, dr_grey, dr_grey)
    mark_attended(seen, by=dr_grey)
    with pytest.raises(Conflict):
        mark_attended(seen, by=dr_grey)


def test_the_detail_page_offers_only_what_the_state_allows(as_grey, alice, dr_grey, monkeypatch):
    appointment = book(alice, dr_grey, dr_grey)
    page = text(as_grey.get(f"/appointments/{appointment.pk}/"))
    assert "Move appointment" in page
    assert "Cancel appointment" in page
    assert "Mark no-show" not in page
    assert "Mark attended" not in page
    monkeypatch.setattr(booking, "now", lambda: TOMORROW_10 + timedelta(minutes=5))
    page = text(as_grey.get(f"/appointments/{appointment.pk}/"))
    assert "Mark no-show" in page
    assert "Mark attended" in page


# ---- the chart panel, proposals after sign-off, the recall list ----------------------------


def test_the_chart_lists_upcoming_and_past_appointments_with_a_book_button(as_grey, alice, dr_grey):
    book(alice, dr_grey, dr_grey, kind="review")
    cancel_appointment(
        book(alice, dr_grey, dr_grey, starts_at=TOMORROW_10 + timedelta(days=1)),
        by=dr_grey,
        reason_code="patient_request",
    )
    page = text(as_grey.get(f"/patients/{alice.pk}/"))
    panel = page[page.index('id="appointments-panel"') :]
    assert "Tue 11 Mar 2025" in panel
    assert "Review" in panel
    assert "Past and cancelled" in panel
    assert "Patient's request" in panel
    assert f"/appointments/book/?patient={alice.pk}" in panel
    event = AuditEvent.objects.filter(action="patient.chart").get()  # one event for the page
    (listed,) = [
        part for part in event.detail["shown"] if part["action"] == "appointment.list.read"
    ]
    assert (event.patient_id, listed["object_id"], listed["count"]) == (alice.pk, str(alice.pk), 2)


def signed(encounter, by):
    return services.sign_encounter(encounter, by)


def test_a_signed_cosmetic_encounter_proposes_a_review_and_a_touch_up_to_book(
    as_grey, alice, dr_grey
):
    encounter = signed(glabellar_session(alice, dr_grey, make_vial(dr_grey)), dr_grey)
    page = text(as_grey.get(f"/encounters/{encounter.pk}/"))
    section = page[page.index('id="proposed-visits"') :]
    assert "Review</strong> Mon 17 Mar 2025" in section
    assert "Basis: Population figure" in section
    assert "label minimum" in section
    review = re.search(r'href="(/appointments/book/\?[^"]*kind=review[^"]*)"', section).group(1)
    assert "date=2025-03-17" in review
    assert f"patient={alice.pk}" in review
    form = text(as_grey.get(html.unescape(review)))
    assert 'name="date" value="2025-03-17"' in form
    assert 'value="review" selected' in form
    assert "Bonta proposes Mon 17 Mar 2025" in form


def test_a_signed_migraine_cycle_proposes_the_next_cycle_12_weeks_on(as_grey, alice, dr_grey):
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="M1")
    encounter = signed(preempt_session(alice, dr_grey, vial), dr_grey)
    page = text(as_grey.get(f"/encounters/{encounter.pk}/"))
    section = page[page.index('id="proposed-visits"') :]
    assert "Next treatment cycle</strong> Mon 26 May 2025" in section
    assert "Basis: Label minimum" in section
    assert "kind=cycle&date=2025-05-26" in section


def test_the_recall_page_lists_booked_and_to_book_with_a_book_link(as_rita, alice, dr_grey):
    bob = make_patient(dr_grey, "B-002", given_name="Bob", family_name="Baker")
    signed(glabellar_session(bob, dr_grey, make_vial(dr_grey)), dr_grey)  # review on 17 March
    book(alice, dr_grey, dr_grey)
    response = as_rita.get("/appointments/recall/")
    page = text(response)
    assert "<strong>2</strong> due — 1 booked, <strong>1 to book</strong>" in page
    assert "From Mon 10 Mar 2025 to Tue 8 Apr 2025" in page
    assert "Archer, Alice" in page
    assert "Baker, Bob" in page
    assert "kind=review&date=2025-03-17" in page
    assert f"patient={bob.pk}" in page
    assert AuditEvent.objects.filter(action="appointment.recall_list").count() == 1


@pytest.mark.parametrize(("days", "status"), [("0", 400), ("366", 400), ("x", 400), ("365", 200)])
def test_the_recall_window_is_1_to_365_days(as_grey, days, status):
    response = as_grey.get(f"/appointments/recall/?days={days}")
    assert response.status_code == status
    if status == 400:
        assert "must be a whole number from 1 to 365" in text(response)
        assert not AuditEvent.objects.filter(action="appointment.recall_list").exists()


# ---- roles and audit -----------------------------------------------------------------------


def pages(appointment):
    return [
        "/appointments/",
        "/appointments/?view=week",
        "/appointments/book/",
        "/appointments/recall/",
        f"/appointments/{appointment.pk}/",
    ]


def test_a_portal_patient_is_refused_every_page_and_every_action(client, alice, dr_grey):
    appointment = book(alice, dr_grey, dr_grey)
    client.force_login(make_user("alice_portal", "patient"))
    for url in pages(appointment):
        assert client.get(url).status_code == 403, url
    before = writes()
    for action in ("move", "cancel", "no-show", "attended"):
        assert client.post(f"/appointments/{appointment.pk}/{action}/").status_code == 403
    assert client.post("/appointments/book/", form_data(alice, dr_grey)).status_code == 403
    assert writes() == before


def test_signed_out_visitors_are_sent_to_sign_in(client, alice, dr_grey):
    appointment = book(alice, dr_grey, dr_grey)
    for url in pages(appointment):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["clinician", "nurse", "reception", "manager"])
def test_every_staff_role_books_moves_and_cancels(alice, dr_grey, role):
    client = client_for(make_user(f"staff_{role}", role))
    assert client.post("/appointments/book/", form_data(alice, dr_grey)).status_code == 302
    appointment = Appointment.objects.get()
    move = {"date": "2025-03-11", "time": "15:00", "duration_minutes": "30"}
    move["clinician"] = str(dr_grey.pk)
    assert client.post(f"/appointments/{appointment.pk}/move/", move).status_code == 302
    cancel = {"reason_code": "clinic_request"}
    assert client.post(f"/appointments/{appointment.pk}/cancel/", cancel).status_code == 302
    assert Appointment.objects.get().status == "cancelled"


def test_reads_are_audited_without_patient_details(as_rita, alice, dr_grey, rita_reception):
    appointment = book(alice, dr_grey, dr_grey)
    as_rita.get("/appointments/?date=2025-03-11")
    as_rita.get(f"/appointments/{appointment.pk}/")
    calendar = AuditEvent.objects.get(action="appointment.calendar.read")
    assert (calendar.actor_id, calendar.patient_id, calendar.detail) == (
        rita_reception.pk,
        None,
        {"count": 1},
    )
    read = AuditEvent.objects.get(action="appointment.read")
    assert (read.patient_id, read.object_id, read.detail) == (
        alice.pk,
        str(appointment.pk),
        {"status": "booked"},
    )
    assert "Archer" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_a_patient_found_by_record_number_is_an_audited_read(as_rita, alice, dr_grey):
    as_rita.post(
        "/appointments/book/", form_data(alice, dr_grey, patient="", record_number="A-001")
    )
    assert AuditEvent.objects.filter(action="patient.read", patient_id=alice.pk).exists()


def test_the_grid_css_has_a_rule_for_every_position_class():
    from pathlib import Path

    import bonta

    css = (Path(bonta.__file__).parent / "static/bonta/appointments.css").read_text()
    for n in range(1, 289):
        assert f".at-{n}{{grid-row-start:{n}}}" in css
        assert f".len-{n}{{grid-row-end:span {n}}}" in css


def test_the_demo_fills_the_weeks_around_today_and_never_double_books():
    from bonta.demo.clinic import generate

    assert generate(150, seed=2, years=2)["appointments"] > 0
    today = timezone.localdate()
    rows = Appointment.objects.exclude(status="cancelled").order_by("clinician_id", "starts_at")
    previous = None
    for a in rows:
        day = timezone.localdate(a.starts_at)
        assert today - timedelta(days=7) <= day <= today + timedelta(weeks=6, days=2)
        assert (a.kind, a.pathway) not in {("cycle", "cosmetic"), ("touch_up", "chronic_migraine")}
        assert a.status in ({"attended", "no_show"} if day < today else {"booked", "moved"})
        if previous is not None and previous.clinician_id == a.clinician_id:
            assert previous.starts_at + timedelta(minutes=previous.duration_minutes) <= a.starts_at
        previous = a


def test_a_deactivated_clinicians_appointments_keep_one_column(as_grey, alice, dr_grey, nurse_noor):
    book(alice, dr_grey, nurse_noor)
    book(alice, dr_grey, nurse_noor, starts_at=TOMORROW_10 + timedelta(hours=1))
    nurse_noor.is_active = False
    nurse_noor.save()
    page = text(as_grey.get("/appointments/?date=2025-03-11"))
    assert page.count('class="cal-col ') == 2  # dr_grey, and nurse_noor once
    assert page.count('<span class="appt-who">') == 2


def test_the_chart_offers_attended_and_no_show_once_a_visit_has_started(
    alice, dr_grey, monkeypatch
):
    book(alice, dr_grey, dr_grey)
    monkeypatch.setattr(booking, "now", lambda: TOMORROW_10 + timedelta(minutes=40))
    client = Client(enforce_csrf_checks=True)
    client.force_login(dr_grey)
    page = text(client.get(f"/patients/{alice.pk}/"))
    panel = page[page.index('id="appointments-panel"') :]
    assert "No upcoming appointments." in panel
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', panel).group(1)
    appointment = Appointment.objects.get()
    response = client.post(
        f"/appointments/{appointment.pk}/attended/",
        {"csrfmiddlewaretoken": token, "next": f"/patients/{alice.pk}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{alice.pk}/"
    assert Appointment.objects.get().status == "attended"


def test_reception_sees_the_patients_real_appointments_on_the_demographics_page(
    as_rita, alice, dr_grey, rita_reception
):
    page = text(as_rita.get(f"/patients/{alice.pk}/"))
    assert "Book appointment" in page
    book(alice, rita_reception, dr_grey)
    page = text(as_rita.get(f"/patients/{alice.pk}/"))
    assert "Tue 11 Mar 2025" in page
    assert "visible to clinical staff only" in page


@pytest.mark.parametrize("today", [date(2026, 12, 6), date(2026, 12, 5), date(2026, 12, 7)])
def test_a_demo_visit_due_on_a_weekend_a_week_ago_stays_in_the_calendar(today, dr_grey, alice):
    """Regression (found on Sunday 2026-12-06): due a week ago on a Sunday, the visit moved
    to the Friday before, outside the calendar's first week."""
    from bonta.appointments.demo import Calendar
    from bonta.domain.pathways import Pathway

    for seed in range(40):
        calendar = Calendar(seed, today)
        calendar.rng.random = lambda: 0.0  # always booked
        for due in (today - timedelta(days=7), today - timedelta(days=6)):
            for booked in calendar._book(alice, Pathway.COSMETIC, "touch_up", due, dr_grey):
                day = timezone.localdate(booked.starts_at)
                assert today - timedelta(days=7) <= day
                assert day.weekday() < 5
