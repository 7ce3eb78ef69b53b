"""Appointment forms: they parse types (dates, times, numbers); the booking service decides.

Kind, pathway and reason code are plain text fields shown as choices, so an unknown value
reaches the service and its message is the one the user reads. A local date and time become
an aware instant in the clinic's time zone here, refusing a time the clock skips or repeats.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.models import AppointmentKind, ReasonCode
from bonta.appointments.services.recall import MAX_DAYS
from bonta.domain.pathways import Pathway
from bonta.records.services._common import FIRST_YEAR, LAST_YEAR
from bonta.ui.forms import DateInput

# Clinic policy defaults, not clinical facts: how long each kind of visit is booked for.
DEFAULT_MINUTES = {
    AppointmentKind.REVIEW: 15,
    AppointmentKind.CONSULTATION: 30,
    AppointmentKind.CYCLE: 30,
    AppointmentKind.TOUCH_UP: 30,
}
RECALL_MAX_DAYS = min(MAX_DAYS, 365)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M", attrs={"step": 300})


def local_instant(day: date, at: time) -> datetime:
    """The clinic-local `day` `at` as an aware instant; a skipped or repeated time is refused."""
    tz = timezone.get_default_timezone()
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz)
    second = naive.replace(tzinfo=tz, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before is not None and after is not None and before != after:
        what = (
            "does not exist: the clocks go forward"
            if before < after
            else "happens twice: the clocks go back"
        )
        raise forms.ValidationError(
            f"{at:%H:%M} on {day.isoformat()} {what} then in {tz}; choose another time",
            code="dst",
        )
    return first


class _Slot(forms.Form):
    """A local date and time, combined into `starts_at` (aware, clinic time zone)."""

    date = forms.DateField(widget=DateInput())
    time = forms.TimeField(widget=TimeInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("time") is not None:
            try:
                data["starts_at"] = local_instant(data["date"], data["time"])
            except forms.ValidationError as error:
                self.add_error("time", error)
        return data


def _clinician_field(clinicians: list[User]) -> forms.ChoiceField:
    choices = [("", "Choose…")] + [(str(u.pk), clinician_name(u)) for u in clinicians]
    return forms.ChoiceField(choices=choices, label="Clinician")


def clinician_name(user: User) -> str:
    """A clinician's name for a list: full name (or login), nurses marked as such."""
    name = user.get_full_name() or user.username
    return f"{name} (nurse)" if user.role == "nurse" else name


class BookingForm(_Slot):
    record_number = forms.CharField(
        max_length=32,
        required=False,
        label="Patient record number",
        help_text="The patient's record number, as on their chart.",
    )
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    clinician = forms.ChoiceField()
    pathway = forms.CharField(
        widget=forms.RadioSelect(choices=[(p.value, p.label) for p in Pathway]), label="Pathway"
    )
    kind = forms.CharField(
        widget=forms.Select(choices=AppointmentKind.choices), label="Kind of visit"
    )
    duration_minutes = forms.IntegerField(label="Length (minutes)")
    clinic = forms.CharField(
        max_length=200,
        required=False,
        label="Clinic site",
        help_text="Leave empty for the main site.",
    )
    field_order = (
        "record_number",
        "patient",
        "clinician",
        "pathway",
        "kind",
        "date",
        "time",
        "duration_minutes",
        "clinic",
    )

    def __init__(self, *args: Any, clinicians: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"] = _clinician_field(clinicians)
        self.clinicians = {str(u.pk): u for u in clinicians}
        self.order_fields(self.field_order)

    def chosen_clinician(self) -> User:
        return self.clinicians[self.cleaned_data["clinician"]]


class MoveForm(_Slot):
    clinician = forms.ChoiceField()
    duration_minutes = forms.IntegerField(label="Length (minutes)")
    reason_code = forms.CharField(
        required=False,
        label="Why is it moving?",
        widget=forms.Select(choices=[("", "—"), *ReasonCode.choices]),
    )

    def __init__(self, *args: Any, clinicians: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "move-%s")  # the cancel form shares the page
        super().__init__(*args, **kwargs)
        self.fields["clinician"] = _clinician_field(clinicians)
        self.clinicians = {str(u.pk): u for u in clinicians}
        self.order_fields(["date", "time", "duration_minutes", "clinician", "reason_code"])

    def chosen_clinician(self) -> User:
        return self.clinicians[self.cleaned_data["clinician"]]


class CancelForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cancel-%s")  # the move form shares the page
        super().__init__(*args, **kwargs)

    reason_code = forms.CharField(
        required=False,  # the service says "is required", naming the field
        label="Reason",
        widget=forms.Select(choices=[("", "Choose a reason…"), *ReasonCode.choices]),
    )


class CalendarForm(forms.Form):
    """The calendar's GET parameters: which day or week, whose appointments."""

    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    date = forms.DateField(required=False, widget=DateInput())
    clinician = forms.CharField(required=False)

    def clean_date(self) -> date | None:
        day: date | None = self.cleaned_data["date"]
        if day is not None and not supported(day):
            raise forms.ValidationError(
                f"The calendar shows dates from {FIRST_YEAR} to {LAST_YEAR}; choose one in range."
            )
        return day


def supported(day: date) -> bool:
    """The calendar's (and booking's) years: the records' plausible clinical years, which keep
    every week and previous/next link inside Python's date range (year 1 to 9999)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


class RecallForm(forms.Form):
    days = forms.IntegerField(
        label="Due in the next (days)",
        min_value=1,
        max_value=RECALL_MAX_DAYS,
        error_messages={
            "min_value": f"must be a whole number from 1 to {RECALL_MAX_DAYS}",
            "max_value": f"must be a whole number from 1 to {RECALL_MAX_DAYS}",
            "invalid": f"must be a whole number from 1 to {RECALL_MAX_DAYS}",
            "required": "is required",
        },
    )
    site = forms.ChoiceField(label="Clinic site", required=False)
    unbooked = forms.BooleanField(label="Only those not booked yet", required=False)

    def __init__(self, *args: Any, sites: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("*", "All sites")] + [
            (code, code or "Main site") for code in sites
        ]


def week_start(day: date) -> date:
    """The Monday of `day`'s week (the clinic's week runs Monday to Sunday)."""
    return day - timedelta(days=day.weekday())
