"""The chronic-migraine pathway's diary analytics, pure like the rest of the domain.

- `days`: one diary day and what it shows (headache day, ≥4 h day, migraine day; ICHD-3 1.1 C/D).
- `periods`: counting days over 28-day periods and 12-week treatment cycles, missing days bounded.
- `judgement`: three-valued answers (met / not met / not evaluable) for thresholds over diaries.
- `ichd`: ICHD-3 1.3 chronic migraine and 8.2 medication overuse.
- `outcomes`: reduction against baseline and responder status.
- `nice`: NICE TA260 initiation and continuation verdicts.
- `scoring`, `questionnaires`: HIT-6 and MIDAS totals, bands, and which cycle a response speaks for.
- `summary`: one patient's analytics in one call (CLI, chart, letters).
"""
