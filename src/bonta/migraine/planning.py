"""The migraine pathway's part of planning: the course's NICE TA260 state for the safety check.

Registered in `bonta.records.snapshots.PLANNING_CONTEXT` as "nice" (MigraineConfig.ready), so
`build_snapshot` passes it to the pure safety engine without records importing this pathway.
Judged as of the session date by `bonta.domain.headache.nice`, from the same loaders the
chart's diary analytics use; no audit event of its own (the check that asks is audited).

- No signed chronic-migraine session on or before the session date: a **first cycle**, judged
  by the TA260 1.1 initiation criteria (diary baseline, failed preventives, the overuse
  statement that counts on that date). Four queries.
- Otherwise the TA260 1.2 continuation verdict with its reasons. Two queries (the sessions'
  dates, the diary days).

Only the diary days the rules read are loaded (`initiation_reads`, `continuation_reads` in
`bonta.domain.headache.nice`): the baseline, cycle 2 and the periods the episodic rule judges,
in one bounded query, so the cost does not grow with the length of the diary (issue 10). The
verdict is the one the whole diary gives (tests/migraine/test_planning_reads.py).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from bonta.domain.headache.nice import (
    continuation_reads,
    initiation_reads,
    nice_continuation,
    nice_initiation,
    overuse_management_as_of,
)
from bonta.domain.headache.periods import diary_from
from bonta.domain.pathways import Pathway
from bonta.domain.plan import NiceState
from bonta.migraine.services import diary_days, injection_dates, load_diary_snapshot


def nice_state(patient_id: UUID, pathway: Pathway, on: date) -> NiceState | None:
    """The course's NICE TA260 state on `on` for a chronic-migraine plan; None on another."""
    if pathway is not Pathway.CHRONIC_MIGRAINE:
        return None
    # The loaders filter by patient; the id is what Django compares (patient=<pk>).
    injections = tuple(d for d in injection_dates(patient_id) if d <= on)  # type: ignore[arg-type]
    if not injections:
        snapshot = load_diary_snapshot(patient_id, initiation_reads(on))  # type: ignore[arg-type]
        diary = diary_from([d for d in snapshot.days if d.on <= on], (), on)
        start = nice_initiation(
            diary,
            snapshot.failed_preventives,
            overuse_management_as_of(snapshot.overuse_statements, on),
        )
        return NiceState(on, first_cycle=True, initiation=start.judgement, reasons=start.reasons)
    reads = continuation_reads(injections, on)
    days = [d for d in diary_days(patient_id, reads) if d.on <= on]  # type: ignore[arg-type]
    verdict = nice_continuation(diary_from(days, injections, on))
    return NiceState(
        on,
        first_cycle=False,
        verdict=verdict.verdict,
        reasons=verdict.reasons,
        review=verdict.review,
    )
