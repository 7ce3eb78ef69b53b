"""How the portal words a diary day and a date for the patient (display only, no rules)."""

from __future__ import annotations

from datetime import date

from bonta.domain.headache.days import DiaryDay

MEDICINE_SHORT = {
    "triptan": "triptan",
    "ergot": "ergot",
    "opioid": "opioid",
    "simple_analgesic": "simple painkiller",
    "combination_analgesic": "combination painkiller",
    "gepant": "gepant",
    "ditan": "ditan",
    "other": "other medicine",
}
INTENSITY = ("", "mild", "moderate", "severe")  # 0 none … 3 severe


def describe(day: DiaryDay) -> str:
    """A diary day in a few words: "headache 6 h, severe · triptan"."""
    if not day.headache:
        return "no headache"
    text = f"headache {day.hours.normalize():f} h"
    if day.intensity:
        text += f", {INTENSITY[day.intensity]}"
    if day.acute_medication:
        text += " · " + ", ".join(MEDICINE_SHORT[m] for m in sorted(day.acute_medication))
    return text


def day_name(on: date, today: date) -> str:
    """ "today", "yesterday", or "Mon 3 Mar"."""
    if on == today:
        return "today"
    if (today - on).days == 1:
        return "yesterday"
    return f"{on:%a} {on.day} {on:%b}"
