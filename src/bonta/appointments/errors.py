"""Booking refusals: `InvalidInput`s naming the field at fault, so interfaces answer 422."""

from __future__ import annotations

from datetime import datetime

from bonta.domain.errors import InvalidInput


class StartInPast(InvalidInput):
    def __init__(self, starts_at: datetime, now: datetime) -> None:
        super().__init__(
            "starts_at",
            f"{starts_at.isoformat()} is in the past (now {now.isoformat()}); "
            f"book a start from now on",
        )


class ClinicianDoubleBooked(InvalidInput):
    """The clinician already has a non-cancelled appointment overlapping this time."""

    def __init__(self, starts_at: datetime, other_start: datetime, other_minutes: int) -> None:
        super().__init__(
            "starts_at",
            f"{starts_at.isoformat()} overlaps the clinician's appointment at "
            f"{other_start.isoformat()} ({other_minutes} min)",
        )
        self.other_start = other_start
