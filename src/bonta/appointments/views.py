"""Appointments pages: the day/week calendar, booking, one appointment's actions, the recall list.

Every write goes through `bonta.appointments.services` (which checks the role again and audits);
every read of patient data goes through an audited service read. A refusal re-renders the form
with the service's message and writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bonta.accounts.models import User
from bonta.appointments import calendar_grid
from bonta.appointments.errors import ClinicianDoubleBooked, StartInPast
from bonta.appointments.forms import (
    DEFAULT_MINUTES,
    BookingForm,
    CalendarForm,
    CancelForm,
    MoveForm,
    RecallForm,
    supported,
    week_start,
)
from bonta.appointments.models import (
    UPCOMING,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
)
from bonta.appointments.services import (
    book_appointment,
    booking,
    cancel_appointment,
    mark_no_show,
    move_appointment,
    recall_list,
)
from bonta.appointments.services.agenda import (
    bookable_clinicians,
    calendar,
    find_patient,
    first_free_start,
    get_appointment,
    sites,
)
from bonta.appointments.services.booking import mark_attended
from bonta.domain.errors import InvalidInput
from bonta.records import services as records
from bonta.records.errors import Conflict
from bonta.records.models import Patient
from bonta.records.snapshots import local_date
from bonta.ui.access import staff
from bonta.ui.forms import add_service_error

RECALL_PAGE = 100


def today() -> date:
    return local_date(booking.now())


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` URL the page came from, if it is this site's; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def calendar_url(view: str, day: date, clinician: str = "all") -> str:
    query = {"view": view, "date": day.isoformat(), "clinician": clinician}
    return f"{reverse('appointments:calendar')}?{urlencode(query)}"


# ---- calendar ------------------------------------------------------------------------------


@staff(action="see the appointments calendar")
def calendar_page(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.GET)
    clinicians = bookable_clinicians()
    chosen, error = _chosen_clinician(request.GET.get("clinician", "all"), clinicians)
    if not form.is_valid() or error:
        context = {"form": form, "clinician_error": error, "clinicians": clinicians}
        return render(request, "appointments/calendar.html", context, status=400)
    view = form.cleaned_data["view"] or "day"
    day = form.cleaned_data["date"] or today()
    first, days = (day, 1) if view == "day" else (week_start(day), 7)
    found = calendar(first, days, by=request.user, clinician=chosen)  # type: ignore[arg-type]
    shown = [a for a in found if a.status != AppointmentStatus.CANCELLED]
    key = str(chosen.pk) if chosen else "all"
    here = calendar_url(view, day, key)
    grid = calendar_grid.build(
        _columns(view, first, days, chosen, clinicians, shown),
        hours=settings.CLINIC_HOURS,
        now=booking.now(),
    )
    for column in grid.columns:
        clinician_id = getattr(column.key, "pk", "")
        column.book_url = book_url(date=column.day, clinician=clinician_id, next=here)
    step = timedelta(days=days)
    context = {
        "form": form,
        "view": view,
        "day": day,
        "days": [first + timedelta(days=i) for i in range(days)],
        "today": today(),
        "clinicians": clinicians,
        "chosen": chosen,
        "key": key,
        "grid": grid,
        "here": here,
        "back_here": urlencode({"next": here}),
        "cancelled": [a for a in found if a.status == AppointmentStatus.CANCELLED],
        "count": len(shown),
        "tz_name": settings.TIME_ZONE,
        "prev_url": calendar_url(view, day - step, key),
        "next_url": calendar_url(view, day + step, key),
        "today_url": calendar_url(view, today(), key),
        "day_url": calendar_url("day", day, key),
        "week_url": calendar_url("week", day, key),
    }
    return render(request, "appointments/calendar.html", context)


def _chosen_clinician(value: str, clinicians: list[User]) -> tuple[User | None, str]:
    if value in ("", "all"):
        return None, ""
    found = next((u for u in clinicians if str(u.pk) == value), None)
    return (found, "") if found else (None, "No such clinician: choose one from the list.")


def _columns(
    view: str,
    first: date,
    days: int,
    chosen: User | None,
    clinicians: list[User],
    shown: list[Appointment],
) -> list[tuple[date, Any, list[Appointment]]]:
    if view == "day" and chosen is None:
        people = list(clinicians)
        for a in shown:  # someone no longer bookable (e.g. inactive) keeps their column
            if a.clinician not in people:
                people.append(a.clinician)
        return [(first, c, [a for a in shown if a.clinician_id == c.pk]) for c in people]
    by_day: dict[date, list[Appointment]] = {}
    for a in shown:
        by_day.setdefault(local_date(a.starts_at), []).append(a)
    return [
        (first + timedelta(days=i), chosen, by_day.get(first + timedelta(days=i), []))
        for i in range(days)
    ]


# ---- booking -------------------------------------------------------------------------------


@staff(action="book appointments")
def book(request: HttpRequest) -> HttpResponse:
    clinicians = bookable_clinicians()
    source = request.POST if request.method == "POST" else request.GET
    patient = _patient(request, source.get("patient", ""))
    if request.method != "POST":
        initial = _booking_initial(request, patient, clinicians)
        form = BookingForm(initial=initial, clinicians=clinicians)
        return _booking_page(request, form, patient)
    form = BookingForm(request.POST, clinicians=clinicians)
    if form.is_valid():
        try:
            appointment = _book(request, form, patient)
        except InvalidInput as error:
            add_service_error(form, error, {"starts_at": "time", "patient": "record_number"})
            _gloss(form, error)
        else:
            messages.success(request, f"Booked: {_summary(appointment)}.")
            fallback = calendar_url("day", local_date(appointment.starts_at))
            return redirect(safe_next(request, fallback))
    return _booking_page(request, form, patient, status=422)


def _patient(request: HttpRequest, patient_id: str) -> Patient | None:
    if not patient_id:
        return None
    return records.get_patient(patient_id, by=request.user)  # type: ignore[arg-type]


def _book(request: HttpRequest, form: BookingForm, patient: Patient | None) -> Appointment:
    data = form.cleaned_data
    if patient is None:
        patient = find_patient(data["record_number"], by=request.user)  # type: ignore[arg-type]
    return book_appointment(
        patient,
        by=request.user,  # type: ignore[arg-type]
        clinician=form.chosen_clinician(),
        pathway=data["pathway"],
        kind=data["kind"],
        starts_at=data["starts_at"],
        duration_minutes=data["duration_minutes"],
        clinic=data["clinic"],
    )


def _booking_initial(
    request: HttpRequest, patient: Patient | None, clinicians: list[User]
) -> dict[str, Any]:
    """Pre-fill from the link that led here: a slot, a proposal or the recall list."""
    get = request.GET
    kind = get.get("kind", AppointmentKind.CONSULTATION)
    minutes = DEFAULT_MINUTES.get(kind, 30)  # type: ignore[call-overload]
    initial: dict[str, Any] = {
        "patient": patient.pk if patient else None,
        "pathway": get.get("pathway", ""),
        "kind": kind,
        "date": get.get("date", ""),
        "time": get.get("time", ""),
        "duration_minutes": minutes,
        "clinic": get.get("clinic", ""),
        "clinician": get.get("clinician", ""),
    }
    chosen = next((u for u in clinicians if str(u.pk) == initial["clinician"]), None)
    day = _date(initial["date"])
    if chosen is not None and day is not None and not initial["time"]:
        opens, closes = settings.CLINIC_HOURS
        initial["time"] = first_free_start(chosen, day, minutes, opens, closes).strftime("%H:%M")
    return initial


def _date(value: str) -> date | None:
    """A date from the query string for pre-filling, or None (unparseable or out of range)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if supported(day) else None


def _booking_page(
    request: HttpRequest, form: BookingForm, patient: Patient | None, status: int = 200
) -> HttpResponse:
    window = [_date(request.GET.get(k, "")) for k in ("earliest", "latest")]
    context = {
        "form": form,
        "patient": patient,
        "next": safe_next(request, ""),
        "window": window if all(window) else None,
        "basis": request.GET.get("basis", ""),
        "tz_name": settings.TIME_ZONE,
    }
    return render(request, "appointments/book.html", context, status=status)


def _gloss(form: BookingForm | MoveForm, error: InvalidInput) -> None:
    """Add the clinic-time reading of a refusal whose message gives UTC instants."""
    tz = timezone.get_default_timezone()
    if isinstance(error, ClinicianDoubleBooked):
        other = timezone.localtime(error.other_start, tz)
        form.add_error("time", f"That appointment starts at {other:%H:%M} clinic time.")
    elif isinstance(error, StartInPast):
        now = timezone.localtime(booking.now(), tz)
        form.add_error("time", f"It is now {now:%Y-%m-%d %H:%M} clinic time.")


def _summary(appointment: Appointment) -> str:
    at = timezone.localtime(appointment.starts_at, timezone.get_default_timezone())
    return (
        f"{appointment.get_kind_display().lower()} for {appointment.patient.record_number} on "
        f"{at:%a %d %b %Y %H:%M} with {appointment.clinician.username}"
    )


# ---- one appointment -----------------------------------------------------------------------


@staff(action="see appointments")
def detail(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = get_appointment(appointment_id, by=request.user)  # type: ignore[arg-type]
    return _detail_page(request, appointment)


def _detail_page(
    request: HttpRequest,
    appointment: Appointment,
    *,
    move: MoveForm | None = None,
    cancel: CancelForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    clinicians = bookable_clinicians()
    local = timezone.localtime(appointment.starts_at, timezone.get_default_timezone())
    if move is None:
        initial = {
            "date": local.date(),
            "time": local.time(),
            "duration_minutes": appointment.duration_minutes,
            "clinician": str(appointment.clinician_id),
        }
        move = MoveForm(initial=initial, clinicians=clinicians)
    started = appointment.starts_at <= booking.now()
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "local": local,
        "end": local + timedelta(minutes=appointment.duration_minutes),
        "upcoming": appointment.status in UPCOMING,
        "can_no_show": appointment.status in UPCOMING and started,
        "can_attend": appointment.status in UPCOMING and local.date() <= today(),
        "move": move,
        "cancel": cancel or CancelForm(),
        "error": error,
        "next": safe_next(request, calendar_url("day", local.date())),
        "day_url": calendar_url("day", local.date(), str(appointment.clinician_id)),
    }
    return render(request, "appointments/detail.html", context, status=status)


@staff(action="move appointments")
@require_POST
def move(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = records.load(Appointment, appointment_id, "appointment")
    form = MoveForm(request.POST, clinicians=bookable_clinicians())
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = move_appointment(
                appointment,
                by=request.user,  # type: ignore[arg-type]
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                clinician=form.chosen_clinician(),
                reason_code=data["reason_code"],
            )
        except InvalidInput as error:
            add_service_error(form, error, {"starts_at": "time"})
            _gloss(form, error)
        except Conflict as error:
            return _refused(request, appointment_id, error.message)
        else:
            messages.success(request, f"Moved: {_summary(moved)}.")
            return redirect(safe_next(request, calendar_url("day", local_date(moved.starts_at))))
    fresh = get_appointment(appointment_id, by=request.user)  # type: ignore[arg-type]
    return _detail_page(request, fresh, move=form, status=422)


@staff(action="cancel appointments")
@require_POST
def cancel(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = records.load(Appointment, appointment_id, "appointment")
    form = CancelForm(request.POST)
    form.is_valid()  # a text field: always valid; the service decides
    try:
        cancel_appointment(
            appointment,
            by=request.user,  # type: ignore[arg-type]
            reason_code=form.cleaned_data["reason_code"],
        )
    except InvalidInput as error:
        add_service_error(form, error, {})
        fresh = get_appointment(appointment_id, by=request.user)  # type: ignore[arg-type]
        return _detail_page(request, fresh, cancel=form, status=422)
    except Conflict as error:
        return _refused(request, appointment_id, error.message)
    messages.success(request, "Appointment cancelled; its time is free again.")
    return redirect(safe_next(request, calendar_url("day", local_date(appointment.starts_at))))


@staff(action="record no-shows")
@require_POST
def no_show(request: HttpRequest, appointment_id: str) -> HttpResponse:
    return _mark(request, appointment_id, mark_no_show, "Recorded as a no-show.")


@staff(action="record attendance")
@require_POST
def attended(request: HttpRequest, appointment_id: str) -> HttpResponse:
    return _mark(request, appointment_id, mark_attended, "Recorded as attended.")


def _mark(request: HttpRequest, appointment_id: str, action: Any, done: str) -> HttpResponse:
    appointment = records.load(Appointment, appointment_id, "appointment")
    try:
        action(appointment, by=request.user)
    except Conflict as error:
        return _refused(request, appointment_id, error.message)
    messages.success(request, done)
    return redirect(safe_next(request, calendar_url("day", local_date(appointment.starts_at))))


def _refused(request: HttpRequest, appointment_id: str, message: str) -> HttpResponse:
    fresh = get_appointment(appointment_id, by=request.user)  # type: ignore[arg-type]
    return _detail_page(request, fresh, error=message, status=409)


# ---- recall list ---------------------------------------------------------------------------


@staff(action="see the recall list")
def recall(request: HttpRequest) -> HttpResponse:
    known = sites()
    form = RecallForm({"days": "30", "site": "*"} | request.GET.dict(), sites=known)
    if not form.is_valid():
        return render(request, "appointments/recall.html", {"form": form}, status=400)
    days, site, unbooked = (form.cleaned_data[k] for k in ("days", "site", "unbooked"))
    start = today()
    entries = recall_list(start, days, None if site == "*" else site, by=request.user)  # type: ignore[arg-type]
    shown = [e for e in entries if not e.booked] if unbooked else entries
    query = {"days": days, "site": site} | ({"unbooked": "on"} if unbooked else {})
    context = {
        "form": form,
        "page": Paginator(shown, RECALL_PAGE).get_page(request.GET.get("page", 1)),
        "start": start,
        "last": start + timedelta(days=days - 1),
        "booked": sum(1 for e in entries if e.booked),
        "proposed": sum(1 for e in entries if not e.booked),
        "total": len(entries),
        "query": urlencode(query),
        "here": f"{reverse('appointments:recall')}?{request.GET.urlencode()}",
    }
    return render(request, "appointments/recall.html", context)


def book_url(**params: Any) -> str:
    """The booking form, pre-filled (used by the recall list and the proposals panel)."""
    clean = {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in params.items()}
    query = urlencode({k: v for k, v in clean.items() if v}, safe=":/")
    return f"{reverse('appointments:book')}?{query}"
