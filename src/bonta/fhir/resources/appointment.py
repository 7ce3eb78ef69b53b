"""Appointment: a booked visit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bonta.appointments.models import Appointment, AppointmentStatus
from bonta.fhir.codes import concept
from bonta.fhir.resources._common import drop_empty, instant, meta, practitioner, ref

# Appointment.status has a required value set in FHIR R4 (appointmentstatus).
STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.MOVED: "booked",  # moved to a new time, still booked
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
    AppointmentStatus.ATTENDED: "fulfilled",
}


def to_fhir(appointment: Appointment) -> dict[str, Any]:
    """`appointment` with `clinician` selected."""
    participants: list[dict[str, Any]] = [
        {"actor": ref("Patient", appointment.patient_id), "status": "accepted"}
    ]
    clinician = practitioner(appointment.clinician)
    if clinician:
        participants.append({"actor": clinician, "status": "accepted"})
    end = appointment.starts_at + timedelta(minutes=appointment.duration_minutes)
    reason = appointment.reason_code
    return drop_empty(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "meta": meta(appointment.updated_at),
            "status": STATUS[AppointmentStatus(appointment.status)],
            "cancelationReason": concept("appointment-reason", reason) if reason else None,
            "serviceType": [concept("pathway", appointment.pathway)],
            "appointmentType": concept("appointment-kind", appointment.kind),
            "start": instant(appointment.starts_at),
            "end": instant(end),
            "minutesDuration": appointment.duration_minutes,
            "created": instant(appointment.created_at),
            "participant": participants,
        }
    )
