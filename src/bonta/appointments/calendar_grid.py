"""Lay appointments out on a time grid: rows of 5 minutes of local wall-clock time, lanes for
overlaps. Pure presentation; no database, no clock (the caller passes `now`).

The page places each block with CSS classes (`at-N` first row, `len-N` rows spanned, `lane-N`
and `span-N` inside a column of `lanes-N`), because the Content-Security-Policy allows no
inline styles; `static/bonta/appointments.css` holds one rule per class.

DST: rows are wall-clock minutes of the column's local day. On the day clocks go forward an
hour of rows has no instants; on the day they go back, two instants share a row and the lanes
keep both visible. A block's length is its duration, whatever the clock did meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

ROW_MINUTES = 5
SLOT_MINUTES = 15
MAX_ROWS = 24 * 60 // ROW_MINUTES  # the CSS has at-1 … at-288 and len-1 … len-288
MAX_LANES = 6


@dataclass(frozen=True)
class Block:
    item: Any  # the appointment
    row: int
    rows: int
    start: datetime  # local
    end: datetime  # local
    lane: int = 1
    span: int = 1


@dataclass(frozen=True)
class Slot:
    row: int
    at: datetime  # local
    bookable: bool


@dataclass
class Column:
    day: date
    key: Any  # what the column is for: a clinician, or None (every clinician that day)
    blocks: list[Block] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    lanes: int = 1
    now_row: int | None = None
    book_url: str = ""  # booking form for this column's day (and clinician); a slot adds its time


@dataclass(frozen=True)
class Grid:
    first_hour: int
    last_hour: int
    columns: list[Column]

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // ROW_MINUTES

    @property
    def hours(self) -> list[tuple[int, int]]:
        """(row, hour) of each hour line."""
        return [
            (1 + (h - self.first_hour) * 60 // ROW_MINUTES, h)
            for h in range(self.first_hour, self.last_hour)
        ]


def minute_of_day(at: datetime) -> int:
    return at.hour * 60 + at.minute


def build(
    columns: Sequence[tuple[date, Any, Iterable[Any]]],
    *,
    hours: tuple[int, int],
    now: datetime,
    bookable: bool = True,
) -> Grid:
    """A grid of `columns` (day, key, appointments) framed by clinic `hours`, widened to fit.

    Appointments need `starts_at` (aware) and `duration_minutes`; slots before `now` are not
    bookable.
    """
    tz = timezone.get_default_timezone()
    placed = [(day, key, [_span(a, day, tz) for a in items]) for day, key, items in columns]
    first, last = hours
    for _, _, spans in placed:
        for start, end, _ in spans:
            first = min(first, start // 60)
            last = max(last, -(-end // 60))
    grid = Grid(first, min(last, 24), [])
    local_now = timezone.localtime(now, tz)
    for day, key, spans in placed:
        column = Column(day, key)
        _lay_out(column, spans, grid, tz)
        column.slots = _slots(day, grid, tz, local_now if bookable else None)
        if local_now.date() == day and first * 60 <= minute_of_day(local_now) < grid.last_hour * 60:
            column.now_row = _row(minute_of_day(local_now), grid)
        grid.columns.append(column)
    return grid


def _span(item: Any, day: date, tz: Any) -> tuple[int, int, Any]:
    start = timezone.localtime(item.starts_at, tz)
    begin = minute_of_day(start) if start.date() == day else 0
    return begin, min(begin + item.duration_minutes, 24 * 60), item


def _row(minute: int, grid: Grid) -> int:
    return 1 + (minute - grid.first_hour * 60) // ROW_MINUTES


def _lay_out(column: Column, spans: list[tuple[int, int, Any]], grid: Grid, tz: Any) -> None:
    """Greedy lanes per cluster of overlapping blocks; the column has the most lanes needed."""
    spans = sorted(spans, key=lambda s: (s[0], -s[1]))
    clusters: list[list[tuple[int, int, int, Any]]] = []  # (start, end, lane, item)
    cluster_end = -1
    lane_ends: list[int] = []
    for start, end, item in spans:
        if start >= cluster_end:
            clusters.append([])
            lane_ends = []
        lane = next((i for i, e in enumerate(lane_ends) if e <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        lane_ends[lane] = end
        clusters[-1].append((start, end, min(lane, MAX_LANES - 1), item))
        cluster_end = max(cluster_end, end)
    column.lanes = min(MAX_LANES, max((len({c[2] for c in cl}) for cl in clusters), default=1))
    for cluster in clusters:
        used = max(c[2] for c in cluster) + 1
        for start, end, lane, item in cluster:
            local = timezone.localtime(item.starts_at, tz)
            last_lane = lane == used - 1
            column.blocks.append(
                Block(
                    item=item,
                    row=_row(start, grid),
                    rows=max(1, -(-(end - start) // ROW_MINUTES)),
                    start=local,
                    end=timezone.localtime(
                        item.starts_at + timedelta(minutes=item.duration_minutes), tz
                    ),
                    lane=lane + 1,
                    span=column.lanes - lane if last_lane else 1,
                )
            )


def _slots(day: date, grid: Grid, tz: Any, now: datetime | None) -> list[Slot]:
    slots = []
    for minute in range(grid.first_hour * 60, grid.last_hour * 60, SLOT_MINUTES):
        at = timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)), tz)
        slots.append(Slot(_row(minute, grid), at, now is not None and at >= now))
    return slots
