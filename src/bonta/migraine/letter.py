"""What a chronic-migraine summary letter says, loaded and audited in one call.

The letter goes to a commissioner or insurer: NICE TA260 initiation or continuation, with the
numbers behind it. `migraine_letter` loads everything it needs (diary snapshot, prior
preventives, HIT-6/MIDAS, the medication-overuse statement, the signed chronic-migraine
sessions with their lots and units) in a fixed number of queries, records one audit event,
and returns plain data; `bonta.migraine.letter_pdf` lays it out as a one-page PDF. Every figure and
verdict is `summarize`'s (`summary_as_dict`), as on the diary page and in the CLI — nothing is
judged here.

Chronic-migraine pathway only: cosmetic sessions never appear, not even their lots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.headache.nice import overuse_management_as_of
from bonta.domain.headache.questionnaires import (
    Instrument,
    ScoreEntry,
    latest_by_instrument,
    scores_by_cycle,
)
from bonta.domain.headache.summary import summary_as_dict
from bonta.domain.pathways import Pathway
from bonta.domain.products import all_products
from bonta.migraine.models import OveruseManagement, PriorPreventive, QuestionnaireResponse
from bonta.migraine.services import load_diary_snapshot, summarize_snapshot
from bonta.records.errors import NotFound
from bonta.records.models import Administration, Encounter, EncounterStatus, Patient
from bonta.records.services._common import CLINICAL_READ, require_role


@dataclass(frozen=True, slots=True)
class InjectionRow:
    """One signed chronic-migraine session: local date, product, lots and units per product."""

    on: date
    product: str  # display name
    lots: tuple[str, ...]
    units: tuple[tuple[str, Decimal], ...]  # (product display name, total units), never summed


@dataclass(frozen=True, slots=True)
class PreventiveRow:
    drug: str
    dose: str
    duration_weeks: int | None  # None: never taken (unsuitable)
    reason_stopped: str


@dataclass(frozen=True, slots=True)
class OveruseStatementRow:
    managed: bool
    recorded_on: date
    by: str


@dataclass(frozen=True, slots=True)
class ScoreLine:
    instrument: Instrument
    baseline: ScoreEntry | None  # the latest response on or before the first injection
    latest: ScoreEntry | None


@dataclass(frozen=True, slots=True)
class MigraineLetter:
    kind: str  # "initiation" (no injection yet) or "continuation"
    as_of: date
    patient_name: str
    birth_date: date
    record_number: str
    prepared_by: str
    summary: Mapping[str, Any]  # `summary_as_dict`
    baseline: Mapping[str, Any] | None  # the period NICE initiation judges
    latest: Mapping[str, Any] | None  # the latest complete period on treatment
    latest_missing_reason: str | None  # why there is no latest period to compare
    preventives: tuple[PreventiveRow, ...]
    overuse_statement: OveruseStatementRow | None  # the one that counts on `as_of`
    scores: tuple[ScoreLine, ...]
    injections: tuple[InjectionRow, ...]


def migraine_letter(patient: Patient, as_of: date, *, by: User) -> MigraineLetter:
    """The chronic-migraine summary letter's content as of `as_of` (a read: audited)."""
    require_role(by, CLINICAL_READ, "prepare migraine summary letters")
    if not patient.courses.filter(pathway=Pathway.CHRONIC_MIGRAINE.value).exists():
        raise NotFound("This patient has no chronic-migraine course.")
    with transaction.atomic():
        snapshot = load_diary_snapshot(patient)
        preventives = _preventives(patient)
        statement = _statement(patient, as_of)
        entries = _score_entries(patient)
        injections = _injections(patient, as_of)
        record(
            "letter.migraine_summary",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"kind": "migraine_summary", "count": len(injections)},
        )
    summary = summarize_snapshot(snapshot, as_of)
    data = summary_as_dict(summary)
    baseline, latest, missing = _periods(data)
    windows = scores_by_cycle(entries, summary.diary.injections, as_of)
    latest_scores = latest_by_instrument(entries, as_of)
    return MigraineLetter(
        kind="continuation" if summary.diary.treated else "initiation",
        as_of=as_of,
        patient_name=f"{patient.given_name} {patient.family_name}",
        birth_date=patient.birth_date,
        record_number=patient.record_number,
        prepared_by=f"{by.get_full_name() or by.username}, {by.get_role_display()}",
        summary=data,
        baseline=baseline,
        latest=latest,
        latest_missing_reason=missing,
        preventives=preventives,
        overuse_statement=statement,
        # Before treatment every response is a baseline one: both columns then agree.
        scores=tuple(ScoreLine(i, windows[0].latest(i), latest_scores[i]) for i in Instrument),
        injections=injections,
    )


def _periods(
    data: Mapping[str, Any],
) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, str | None]:
    """The month NICE initiation judges, the latest complete period on treatment, or why not."""
    periods = data["periods"]
    if not data["injections"]:
        judged = next((p for p in periods if p["index"] == -1), None)
        return judged, None, "not yet evaluable: no chronic-migraine injection signed yet"
    baseline = next(p for p in periods if p["label"] == "baseline")
    done = [p for p in periods if p["index"] >= 0 and p["complete"]]
    if not done:
        first = data["injections"][0]
        return (
            baseline,
            None,
            (f"not yet evaluable: no complete 28-day period since the first injection ({first})"),
        )
    return baseline, done[-1], None


def _preventives(patient: Patient) -> tuple[PreventiveRow, ...]:
    rows = PriorPreventive.objects.filter(patient=patient).order_by("recorded_at")
    return tuple(
        PreventiveRow(r.drug, r.dose, r.duration_weeks, r.get_reason_stopped_display())
        for r in rows
    )


def _statement(patient: Patient, as_of: date) -> OveruseStatementRow | None:
    """The statement that counts on `as_of` (chosen by `overuse_management_as_of`), with its
    author."""
    rows = list(
        OveruseManagement.objects.filter(patient=patient)
        .select_related("recorded_by")
        .order_by("recorded_at", "id")
    )
    statements = [row.to_domain() for row in rows]
    chosen = overuse_management_as_of(statements, as_of)
    for row, statement in zip(rows, statements, strict=True):
        if statement is chosen:
            who = row.recorded_by.get_full_name() or row.recorded_by.username
            return OveruseStatementRow(row.managed, row.recorded_on, who)
    return None


def _score_entries(patient: Patient) -> list[ScoreEntry]:
    rows = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .order_by("completed_on", "created_at")
        .values_list("instrument", "completed_on", "score")
    )
    return [ScoreEntry(Instrument(i), on, score) for i, on, score in rows]


def _product_name(code: str) -> str:
    product = all_products().get(code)
    return product.display if product is not None else code


def _injections(patient: Patient, as_of: date) -> tuple[InjectionRow, ...]:
    """Signed chronic-migraine sessions up to `as_of`, in date order (two queries)."""
    zone = timezone.get_default_timezone()
    sessions = [
        (pk, timezone.localdate(at, zone), product)
        for pk, at, product in Encounter.objects.filter(
            patient=patient,
            pathway=Pathway.CHRONIC_MIGRAINE.value,
            status=EncounterStatus.SIGNED,
        )
        .order_by("at")
        .values_list("pk", "at", "product")
    ]
    sessions = [s for s in sessions if s[1] <= as_of]
    given = (
        Administration.objects.filter(encounter_id__in=[pk for pk, _, _ in sessions])
        .values("encounter_id", "product", "lot")
        .annotate(total=Sum("units"))
        .order_by("encounter_id", "product", "lot")
    )
    lots: dict[Any, set[str]] = defaultdict(set)
    units: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in given:
        lots[row["encounter_id"]].add(row["lot"])
        units[row["encounter_id"]][row["product"]] += row["total"]
    return tuple(
        InjectionRow(
            on=on,
            product=_product_name(product),
            lots=tuple(sorted(lots[pk])),
            units=tuple((_product_name(code), total) for code, total in sorted(units[pk].items())),
        )
        for pk, on, product in sessions
    )
