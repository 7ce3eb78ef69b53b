"""HIT-6 and MIDAS over a course of treatment: bands, and which cycle a response speaks for.

A response is a total already scored by `bonta.domain.headache.scoring` (answers are not needed
here);
its band is looked up again from the reference bands (clinical-reference §6.1 HIT-6 impact
bands, §6.2 MIDAS grades), so a chart, a letter and the stored row can never disagree.

Which cycle a response belongs to (our reading; the reference is silent)
--------------------------------------------------------------------------
Both instruments look back (HIT-6 over 4 weeks, MIDAS over 3 months, clinical-reference §6),
and a questionnaire is usually completed at the review just *before* an injection. So a
response completed on an injection date counts for the time before that injection:

- **baseline**: completed on or before the first injection (with no injection yet, every
  response up to `as_of` is before treatment);
- **cycle i**: completed after injection i and on or before the end of its 12 weeks plus one
  day — the day of the next injection when that comes at or before week 12
  (``injection_i < completed_on <= cycle_end(i) + 1``, `bonta.domain.headache.periods.cycle_end`).
  A response after that, before a late next injection, speaks for no cycle and is listed
  without one, never moved into a neighbour.

Per cycle the figure is the **latest** response of each instrument in it (the end-of-cycle
value); every response stays listed with its cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.periods import cycle_end
from bonta.domain.headache.scoring import Band, hit6_scale, midas_scale


class Instrument(StrEnum):
    HIT6 = "hit6"
    MIDAS = "midas"


INSTRUMENT_LABELS = {Instrument.HIT6: "HIT-6", Instrument.MIDAS: "MIDAS"}


def bands(instrument: Instrument) -> tuple[Band, ...]:
    """HIT-6 impact bands (§6.1) or MIDAS grades I–IV (§6.2), lowest first."""
    return hit6_scale().bands if instrument is Instrument.HIT6 else midas_scale().grades


def band_of(instrument: Instrument, score: int) -> Band:
    """The band holding `score`; a score outside every band is refused."""
    for band in bands(instrument):
        if band.holds(score):
            return band
    raise InvalidInput("score", f"{score} is outside the {INSTRUMENT_LABELS[instrument]} range")


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """One scored response: instrument, the local date it was completed, its total."""

    instrument: Instrument
    completed_on: date
    score: int

    @property
    def band(self) -> Band:
        return band_of(self.instrument, self.score)


@dataclass(frozen=True, slots=True)
class ScoreWindow:
    """The responses that speak for the baseline (number 0) or one treatment cycle."""

    number: int  # 0: baseline; 1 …: cycle
    first: date | None  # first completion date that belongs here (None: open, the baseline)
    last: date  # last completion date that belongs here
    entries: tuple[ScoreEntry, ...]

    @property
    def label(self) -> str:
        return "baseline" if self.number == 0 else f"cycle {self.number}"

    def latest(self, instrument: Instrument) -> ScoreEntry | None:
        """The last response of `instrument` in the window (the end-of-cycle value)."""
        found = [e for e in self.entries if e.instrument is instrument]
        return found[-1] if found else None


def cycle_of(completed_on: date, injections: Sequence[date]) -> int | None:
    """0 for the baseline, i for cycle i, None for a response in no cycle (see the docstring)."""
    if not injections or completed_on <= injections[0]:
        return 0
    for i in range(len(injections) - 1, -1, -1):
        if completed_on > injections[i]:
            last = cycle_end(injections, i) + timedelta(days=1)
            return i + 1 if completed_on <= last else None
    return None  # unreachable: completed_on > injections[0] here


def _ordered(entries: Iterable[ScoreEntry], as_of: date) -> list[ScoreEntry]:
    return sorted((e for e in entries if e.completed_on <= as_of), key=lambda e: e.completed_on)


def scores_by_cycle(
    entries: Iterable[ScoreEntry], injections: Sequence[date], as_of: date
) -> tuple[ScoreWindow, ...]:
    """The baseline and every cycle begun by `as_of`, each with its responses (maybe none).

    Responses after `as_of` are left out (not yet completed). Entries of one date keep their
    given order (the order they were recorded).
    """
    given = sorted(d for d in injections if d <= as_of)
    ordered = _ordered(entries, as_of)
    windows = [
        ScoreWindow(
            number=0,
            first=None,
            last=given[0] if given else as_of,
            entries=tuple(e for e in ordered if cycle_of(e.completed_on, given) == 0),
        )
    ]
    for i, injection in enumerate(given):
        windows.append(
            ScoreWindow(
                number=i + 1,
                first=injection + timedelta(days=1),
                last=cycle_end(given, i) + timedelta(days=1),
                entries=tuple(e for e in ordered if cycle_of(e.completed_on, given) == i + 1),
            )
        )
    return tuple(windows)


def latest_by_instrument(
    entries: Iterable[ScoreEntry], as_of: date
) -> Mapping[Instrument, ScoreEntry | None]:
    """Each instrument's most recent response completed on or before `as_of`."""
    ordered = _ordered(entries, as_of)
    return {
        instrument: next((e for e in reversed(ordered) if e.instrument is instrument), None)
        for instrument in Instrument
    }
