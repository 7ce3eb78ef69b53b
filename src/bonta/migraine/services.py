"""One named function per diary change, plus the loaders the chart's analytics need.

Each write runs in one transaction with its audit event and locks the patient row, so two
sessions correcting the same diary serialise. Who may write:

- the patient, for their own diary only: pass the `Patient`, or (the portal does) the
  patient's portal `User` (role PATIENT), who is then the audit event's actor;
- clinical staff (`CLINICAL_WRITE`), e.g. entering a paper diary or correcting a day.

`today` is the clinic's local date; callers may pass it (imports, tests), else it is read once
from the clock in the clinic's time zone. Days after `today` are refused: a diary records what
happened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.db.prepared import Statement, field_of
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.nice import OveruseManagement as OveruseStatement
from bonta.domain.headache.nice import overuse_management_as_of
from bonta.domain.headache.scoring import score_hit6, score_midas
from bonta.domain.headache.summary import DiarySummary, summarize
from bonta.domain.pathways import Pathway
from bonta.migraine.assessment import overuse_statements
from bonta.migraine.diary_csv import DiaryImportError, format_diary_csv, parse_diary_csv
from bonta.migraine.models import (
    DAY_FLAGS,
    HOURS_STEP,
    DiaryEntry,
    EnteredBy,
    Instrument,
    PriorPreventive,
    QuestionnaireResponse,
    StopReason,
    medication_classes,
)
from bonta.records.errors import NotAllowed
from bonta.records.models import Encounter, EncounterStatus, Patient
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    a_date,
    choice,
    require_role,
    required_text,
)

Actor = User | Patient  # staff user, or the patient (or their portal user) keeping their diary


def local_today() -> date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def _writer(patient: Patient, by: Actor, action: str) -> tuple[str, User | None]:
    """Who is writing: (entered_by, staff user or None); refuse anyone else."""
    if isinstance(by, Patient) or by.role == Role.PATIENT:
        _own(patient, by, "A patient may only keep their own diary.")
        return EnteredBy.PATIENT, None
    require_role(by, CLINICAL_WRITE, action)
    return EnteredBy.STAFF, by


def _own(patient: Patient, by: Actor, refusal: str) -> None:
    """Refuse unless `by` is `patient` or the portal user linked to `patient`."""
    if isinstance(by, User):
        from bonta.records.actors import patient_of

        own = patient_of(by)
        if own is None or own.pk != patient.pk:
            raise NotAllowed(refusal)
    elif by.pk != patient.pk:
        raise NotAllowed(refusal)


def _audit_actor(by: Actor) -> User | None:
    """The user an audit event names: staff, or the patient's portal user (None for a bare
    `Patient`, e.g. a patient-supplied import)."""
    return by if isinstance(by, User) else None


def _not_after(on: date, today: date, field: str = "date") -> None:
    if on > today:
        raise InvalidInput(field, f"{on.isoformat()} is in the future (today is {today})")


def _storable(day: DiaryDay) -> None:
    if day.hours != day.hours.quantize(HOURS_STEP):
        raise InvalidInput("hours", f"{day.hours} has more than 2 decimal places")


def _lock(patient: Patient) -> None:
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


# ---- diary days --------------------------------------------------------------------------------


def record_diary_day(
    patient: Patient, day: DiaryDay, *, by: Actor, today: date | None = None
) -> DiaryEntry:
    """Record one day, or correct it if the date is already in the diary (audited)."""
    entered_by, staff = _writer(patient, by, "enter or correct diary days")
    if not isinstance(day, DiaryDay):
        raise InvalidInput("day", "must be a diary day")
    _not_after(day.on, today or local_today())
    _storable(day)
    with transaction.atomic():
        _lock(patient)
        entry = DiaryEntry.objects.filter(patient=patient, on=day.on).first()
        correcting = entry is not None
        if entry is None:
            entry = DiaryEntry(patient=patient)
            changed = ["date", *DAY_FLAGS]
        else:
            changed = _changed_fields(entry.to_domain(), day)
        entry.copy_from(day)
        entry.entered_by = entered_by
        entry.recorded_by = staff
        entry.save()
        record(
            "diary.correct" if correcting else "diary.record",
            actor=_audit_actor(by),
            object_type="diary_entry",
            object_id=entry.pk,
            patient_id=patient.pk,
            detail={"status": entered_by, "fields": changed},
        )
    return entry


def _changed_fields(old: DiaryDay, new: DiaryDay) -> list[str]:
    names = ("hours", "intensity", "acute_medication", *DAY_FLAGS)
    return [name for name in names if getattr(old, name) != getattr(new, name)]


@dataclass(frozen=True, slots=True)
class ImportResult:
    days: int  # rows in the file
    replaced: int  # of which were already in the diary and were overwritten


class DiaryConflict(DiaryImportError):
    """The file holds dates already in the diary and the caller did not ask to replace them."""


def import_diary_csv(
    patient: Patient,
    text: str,
    *,
    by: Actor,
    today: date | None = None,
    replace: bool = False,
) -> ImportResult:
    """Import a diary CSV (`bonta.migraine.diary_csv` format): every row, or nothing.

    A bad row raises `DiaryImportError` with its line number. A date already in the diary
    raises `DiaryConflict` naming its line unless `replace` is true, in which case the file's
    day overwrites the stored one.
    """
    entered_by, staff = _writer(patient, by, "import diaries")
    days = parse_diary_csv(text, today or local_today())
    for day in days:
        try:
            _storable(day)
        except InvalidInput as error:
            line = _lines_by_date(text).get(day.on.isoformat(), 0)
            raise DiaryImportError(line, error.field, error.reason) from None
    with transaction.atomic():
        _lock(patient)
        existing = set(
            DiaryEntry.objects.filter(patient=patient, on__in=[d.on for d in days]).values_list(
                "on", flat=True
            )
        )
        if existing and not replace:
            first = min(existing)
            lines = _lines_by_date(text)
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise DiaryConflict(
                lines.get(first.isoformat(), 0),
                "date",
                f"{first.isoformat()}{more} is already in the diary; "
                "import with replace to overwrite",
            )
        if existing:
            DiaryEntry.objects.filter(patient=patient, on__in=existing).delete()
        rows = []
        for day in days:
            entry = DiaryEntry(patient=patient, entered_by=entered_by, recorded_by=staff)
            entry.copy_from(day)
            rows.append(entry)
        DiaryEntry.objects.bulk_create(rows, batch_size=1000)
        record(
            "diary.import",
            actor=_audit_actor(by),
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(rows), "status": "replaced" if existing else "new"},
        )
    return ImportResult(days=len(rows), replaced=len(existing))


def _lines_by_date(text: str) -> dict[str, int]:
    """Line number of each date in a CSV already validated by `parse_diary_csv`."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [cell.strip().lower() for cell in next(reader)]
    column = header.index("date")
    lines: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            return lines
        if len(row) > column:
            lines.setdefault(row[column].strip(), start)


_DAY_FIELDS = ("on", "hours", "intensity", "acute_medication", *DAY_FLAGS)


def diary_days(
    patient: Patient, within: Iterable[tuple[date, date]] | None = None
) -> list[DiaryDay]:
    """The patient's diary as domain days, in date order (no audit: a loader).

    `within`: only the days in these (first, last) date ranges, in one bounded query (the NICE
    planning context reads only the periods its rules use); an empty list reads nothing.
    Rows come as tuples, not model instances: the chart reads two years of days at a time.
    Same mapping as `DiaryEntry.to_domain`.
    """
    entries = DiaryEntry.objects.filter(patient=patient)
    if within is not None:
        spans = list(within)
        if not spans:
            return []
        bounded = Q()
        for first, last in spans:
            bounded |= Q(on__range=(first, last))
        entries = entries.filter(bounded)
    rows = entries.order_by("on").values_list(*_DAY_FIELDS)
    return [
        DiaryDay(
            on,
            hours=hours.normalize(),
            intensity=intensity,
            acute_medication=medication_classes(mask),
            **dict(zip(DAY_FLAGS, flags, strict=True)),
        )
        for on, hours, intensity, mask, *flags in rows
    ]


def export_diary_csv(patient: Patient, *, by: Actor) -> str:
    """The whole diary in the import format (a read of patient data: audited)."""
    if isinstance(by, Patient) or by.role == Role.PATIENT:
        _own(patient, by, "A patient may only see their own diary.")
    else:
        require_role(by, CLINICAL_READ, "export diaries")
    with transaction.atomic():
        days = diary_days(patient)
        record(
            "diary.export",
            actor=_audit_actor(by),
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(days)},
        )
    return format_diary_csv(days)


# ---- questionnaires and prior preventives ------------------------------------------------------


def record_questionnaire(
    patient: Patient,
    instrument: str,
    answers: Mapping[str, object],
    *,
    by: Actor,
    completed_on: date,
    today: date | None = None,
) -> QuestionnaireResponse:
    """Score HIT-6 or MIDAS answers (`bonta.domain.headache.scoring`) and store answers and
    score."""
    entered_by, staff = _writer(patient, by, "record questionnaires")
    code = choice(instrument, Instrument, "instrument")
    on = a_date(completed_on, "completed_on")
    _not_after(on, today or local_today(), "completed_on")
    if not isinstance(answers, Mapping):
        raise InvalidInput("answers", "must map item names to answers")
    if code == Instrument.HIT6:
        hit6 = score_hit6(answers)  # type: ignore[arg-type]
        stored: dict[str, object] = dict(hit6.answers)
        total, band = hit6.total, hit6.band.code
    else:
        midas = score_midas(answers)  # type: ignore[arg-type]
        stored, total, band = dict(midas.answers), midas.total, midas.grade.code
    response = QuestionnaireResponse(
        patient=patient,
        instrument=code,
        answers=stored,
        score=total,
        band=band,
        completed_on=on,
        entered_by=entered_by,
        recorded_by=staff,
    )
    with transaction.atomic():
        response.save(force_insert=True)
        record(
            "questionnaire.record",
            actor=_audit_actor(by),
            object_type="questionnaire",
            object_id=response.pk,
            patient_id=patient.pk,
            detail={"type": code, "status": entered_by},
        )
    return response


def record_prior_preventive(
    patient: Patient,
    *,
    by: User,
    drug: str,
    dose: str,
    reason_stopped: str,
    duration_weeks: int | None = None,
) -> PriorPreventive:
    """Record a preventive tried before botulinum toxin (NICE TA260 1.1: ≥3 needed)."""
    require_role(by, CLINICAL_WRITE, "record prior preventive medicines")
    reason = choice(reason_stopped, StopReason, "reason_stopped")
    if duration_weeks is not None and (
        isinstance(duration_weeks, bool)
        or not isinstance(duration_weeks, int)
        or duration_weeks < 0
    ):
        raise InvalidInput("duration_weeks", "must be a whole number of weeks, 0 or more")
    if duration_weeks is None and reason != StopReason.UNSUITABLE:
        raise InvalidInput("duration_weeks", "is required for a medicine that was taken")
    row = PriorPreventive(
        patient=patient,
        drug=required_text(drug, "drug", 100),
        dose=required_text(dose, "dose", 100) if reason != StopReason.UNSUITABLE else dose.strip(),
        duration_weeks=duration_weeks,
        reason_stopped=reason,
        recorded_by=by,
    )
    with transaction.atomic():
        row.save(force_insert=True)
        record(
            "prior_preventive.record",
            actor=by,
            object_type="prior_preventive",
            object_id=row.pk,
            patient_id=patient.pk,
            detail={"type": reason},
        )
    return row


# ---- the chart's analytics ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiarySnapshot:
    """What `summarize` needs for one patient, loaded in four queries."""

    days: Sequence[DiaryDay]
    injections: tuple[date, ...]
    failed_preventives: int | None  # None: no prior preventive recorded at all
    # TA260 1.1 "managed for medication overuse": every statement, in recording order.
    overuse_statements: tuple[OveruseStatement, ...] = ()


_MIGRAINE_SESSION_TIMES: Statement[datetime] = Statement(
    lambda patient_id: Encounter.objects.filter(
        patient_id=patient_id,
        pathway=Pathway.CHRONIC_MIGRAINE.value,
        status=EncounterStatus.SIGNED,
    ).values_list("at", flat=True),
    patient_id=field_of(Encounter, "patient"),
)


def injection_dates(patient: Patient | UUID) -> tuple[date, ...]:
    """Local dates of the patient's signed chronic-migraine sessions, one per date (the patient
    or their id)."""
    signed = _MIGRAINE_SESSION_TIMES.run(patient_id=getattr(patient, "pk", patient))
    zone = timezone.get_default_timezone()
    # A session's date is the clinic's local date (DESIGN §5), not the UTC one: 00:30 local
    # in a UTC+1 summer is the previous day in UTC.
    return tuple(sorted({timezone.localdate(at, zone) for at in signed}))


def load_diary_snapshot(
    patient: Patient, within: Iterable[tuple[date, date]] | None = None
) -> DiarySnapshot:
    # TA260 1.1 counts medicines: the same drug recorded twice (two doses) is one. Every
    # recorded medicine qualifies (its stop reason is one of TA260's three); none recorded is
    # "not recorded" — the record cannot say "none tried" — so the criterion is not
    # evaluable rather than not met.
    drugs = {
        drug.strip().lower()
        for drug in PriorPreventive.objects.filter(patient=patient).values_list("drug", flat=True)
    }
    return DiarySnapshot(
        days=diary_days(patient, within),
        injections=injection_dates(patient),
        failed_preventives=len(drugs) or None,
        overuse_statements=overuse_statements(patient),
    )


def summarize_snapshot(snapshot: DiarySnapshot, as_of: date) -> DiarySummary:
    """`summarize` over a snapshot; diary days after `as_of` are left out (not yet lived)."""
    return summarize(
        [d for d in snapshot.days if d.on <= as_of],
        [d for d in snapshot.injections if d <= as_of],
        as_of,
        failed_preventives=snapshot.failed_preventives,
        # The latest statement made on or before as_of; none: "not recorded", not evaluable.
        overuse_managed=overuse_management_as_of(snapshot.overuse_statements, as_of),
    )


def diary_summary_for(patient: Patient, as_of: date, *, by: User) -> DiarySummary:
    """The chart's diary analytics for one patient as of `as_of` (a read: audited)."""
    require_role(by, CLINICAL_READ, "view diary analytics")
    with transaction.atomic():
        snapshot = load_diary_snapshot(patient)
        record(
            "diary.summary",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(snapshot.days)},
        )
    return summarize_snapshot(snapshot, as_of)
