"""Lot recall: every patient who received a lot (or a product between two dates), and outreach.

One indexed query finds the exposures: signed administrations by their lot snapshot
(`Administration.lot`, what the record says was given; index `lotrecall_admin_lot`, created by
this app's migration 0001) or, for a product in a date band, by the encounter index
`records_enc_recall_band` (status, pathway, product, at). Rows are grouped per patient and
session in Python. A lot search also finds administrations *recorded elsewhere* (imported
external records: `ExternalAdministration.lot`, one lot or a passport's comma-separated lots),
each its own session marked with the system it came from.

Who may do what: a manager runs recalls and records outreach; a clinician may read them (and
see the patients' contact details, as on the chart); nobody else. Every view and export writes
one audit event per patient shown, and every status change one event.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.domain.anatomy import areas, muscles
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.products import get_product
from bonta.domain.units import format_units
from bonta.lotrecall.models import OutreachStatus, RecallCampaign, RecallContact
from bonta.records.models import Administration, EncounterStatus, ExternalAdministration, Patient
from bonta.records.services._common import a_date, choice, load, require_role, required_text
from bonta.records.snapshots import local_date

RECALL_MANAGE = frozenset({Role.MANAGER})
RECALL_READ = frozenset({Role.MANAGER, Role.CLINICIAN})
NOTE_MAX = 500


@dataclass(frozen=True, slots=True)
class Criteria:
    """A lot, or a product given between two local dates (both inclusive)."""

    lot: str = ""
    product: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> str:
        if self.lot:
            return f"lot {self.lot}"
        return f"{self.product} given {self.date_from} to {self.date_to}"


def criteria(
    *,
    lot: object = "",
    product: object = "",
    date_from: object = None,
    date_to: object = None,
) -> Criteria:
    """Validate a search: a lot alone, or a product with both dates (from ≤ to)."""
    lot_text = str(lot or "").strip()
    product_code = str(product or "").strip()
    if lot_text:
        if len(lot_text) > 64:
            raise InvalidInput("lot", "must be at most 64 characters")
        if product_code or date_from or date_to:
            raise InvalidInput("lot", "give a lot, or a product and dates, not both")
        return Criteria(lot=lot_text)
    if not product_code:
        raise InvalidInput("lot", "give a lot number, or a product and a date range")
    code = get_product(product_code, "product").code
    if date_from is None:
        raise InvalidInput("date_from", "is required with a product")
    if date_to is None:
        raise InvalidInput("date_to", "is required with a product")
    start, end = a_date(date_from, "date_from"), a_date(date_to, "date_to")
    if start > end:
        raise InvalidInput("date_to", "must be on or after date_from")
    return Criteria(product=code, date_from=start, date_to=end)


@dataclass(slots=True)
class Session:
    """One signed session in which the patient received the lot (or product), or one external
    record of it (`elsewhere`: the system it was recorded in; `encounter_id` is then the
    external record's id)."""

    encounter_id: UUID
    on: date
    pathway: str
    product: str
    lots: set[str] = field(default_factory=set)
    expiries: set[date] = field(default_factory=set)
    units: Decimal = Decimal(0)
    sites: list[str] = field(default_factory=list)
    elsewhere: str = ""
    indication: str = ""  # an external record for another indication (no pathway)

    @property
    def pathway_label(self) -> str:
        if not self.pathway:
            return self.indication or "another indication"
        return Pathway(self.pathway).label

    @property
    def product_display(self) -> str:
        return get_product(self.product).display

    @property
    def lot_text(self) -> str:
        return ", ".join(sorted(self.lots))

    @property
    def expiry_text(self) -> str:
        return ", ".join(d.isoformat() for d in sorted(self.expiries))

    @property
    def units_text(self) -> str:
        return f"{format_units(self.units)} U"

    @property
    def sites_text(self) -> str:
        return "; ".join(self.sites)


@dataclass(slots=True)
class Exposure:
    """One patient who received it: contact details, sessions, and the outreach so far."""

    patient_id: UUID
    record_number: str
    family_name: str
    given_name: str
    birth_date: date
    phone: str
    email: str
    sessions: list[Session] = field(default_factory=list)
    contact: RecallContact | None = None

    @property
    def status(self) -> str:
        return self.contact.status if self.contact else OutreachStatus.NOT_CONTACTED

    @property
    def status_label(self) -> str:
        return OutreachStatus(self.status).label


ROW_FIELDS = (
    "encounter__patient_id",
    "encounter__patient__record_number",
    "encounter__patient__family_name",
    "encounter__patient__given_name",
    "encounter__patient__birth_date",
    "encounter__patient__phone",
    "encounter__patient__email",
    "encounter_id",
    "encounter__at",
    "encounter__pathway",
    "product",
    "lot",
    "vial__expiry",
    "muscle",
    "side",
    "units",
    "position",
)


def find_exposures(search: Criteria) -> list[Exposure]:
    """Every patient who received it, sessions in date order, patients by name (one query).

    Not audited here: the callers below audit what they show.
    """
    rows = Administration.objects.filter(encounter__status=EncounterStatus.SIGNED)
    if search.lot:
        rows = rows.filter(lot=search.lot)
    else:
        if search.date_from is None or search.date_to is None:
            raise InvalidInput("date_from", "a product search needs both dates")
        rows = rows.filter(
            # Every pathway listed, so the (status, pathway, product, at) index serves the band.
            encounter__pathway__in=[p.value for p in Pathway],
            encounter__product=search.product,
            encounter__at__gte=_local_midnight(search.date_from),
            encounter__at__lt=_local_midnight(search.date_to + timedelta(days=1)),
            product=search.product,
        )
    ordered = rows.values_list(*ROW_FIELDS).order_by(
        "encounter__patient__family_name",
        "encounter__patient__given_name",
        "encounter__patient__record_number",
        "encounter__at",
        "encounter_id",
        "position",
    )
    exposures = _group(ordered)
    if search.lot:
        exposures = _with_elsewhere(exposures, search.lot)
    return exposures


EXTERNAL_FIELDS = (
    "patient_id",
    "patient__record_number",
    "patient__family_name",
    "patient__given_name",
    "patient__birth_date",
    "patient__phone",
    "patient__email",
    "pk",
    "on",
    "pathway",
    "indication",
    "product",
    "lot",
    "lot_expiry",
    "area",
    "muscles",
    "units",
    "source_system",
)


def _with_elsewhere(exposures: list[Exposure], lot: str) -> list[Exposure]:
    """`exposures` plus the external records that carry `lot` (alone or in a passport's
    comma-separated list), one session each, marked with where they were recorded."""
    listed = (
        Q(lot=lot)
        | Q(lot__startswith=f"{lot},")
        | Q(lot__endswith=f",{lot}")
        | Q(lot__contains=f",{lot},")
    )
    rows = ExternalAdministration.objects.filter(listed).values_list(*EXTERNAL_FIELDS)
    patients = {e.patient_id: e for e in exposures}
    added = False
    area_names, muscle_names = areas(), muscles()
    for (
        patient_id,
        record_number,
        family,
        given,
        born,
        phone,
        email,
        pk,
        on,
        pathway,
        indication,
        product,
        lots,
        expiry,
        area,
        sites,
        units,
        source_system,
    ) in rows:
        carried = {one.strip() for one in lots.split(",")}
        if lot not in carried:  # LIKE matched more loosely (SQLite: any case)
            continue
        exposure = patients.get(patient_id)
        if exposure is None:
            exposure = patients[patient_id] = Exposure(
                patient_id, record_number, family, given, born, phone, email
            )
        where = area_names[area].name if area in area_names else area
        named = ", ".join(muscle_names[m].name if m in muscle_names else m for m in sites or [])
        exposure.sessions.append(
            Session(
                pk,
                on,
                pathway,
                product,
                lots=carried,
                expiries={expiry} if expiry else set(),
                units=units,
                sites=[f"{where or named or 'sites not recorded'} {format_units(units)} U"],
                elsewhere=source_system,
                indication=indication,
            )
        )
        added = True
    if not added:
        return exposures
    for exposure in patients.values():
        exposure.sessions.sort(key=lambda s: s.on)
    return sorted(patients.values(), key=lambda e: (e.family_name, e.given_name, e.record_number))


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _group(rows: Iterable[tuple[Any, ...]]) -> list[Exposure]:
    names = muscles()
    patients: dict[UUID, Exposure] = {}
    sessions: dict[UUID, Session] = {}
    for (
        patient_id,
        record_number,
        family,
        given,
        born,
        phone,
        email,
        encounter_id,
        at,
        pathway,
        product,
        lot,
        expiry,
        muscle,
        side,
        units,
        _position,
    ) in rows:
        exposure = patients.get(patient_id)
        if exposure is None:
            exposure = patients[patient_id] = Exposure(
                patient_id, record_number, family, given, born, phone, email
            )
        session = sessions.get(encounter_id)
        if session is None:
            session = sessions[encounter_id] = Session(
                encounter_id, local_date(at), pathway, product
            )
            exposure.sessions.append(session)
        session.lots.add(lot)
        session.expiries.add(expiry)
        session.units += units
        name = names[muscle].name if muscle in names else muscle
        session.sites.append(f"{name} ({side}) {format_units(units)} U")
    return list(patients.values())


# ---- use cases -----------------------------------------------------------------------------


def search_exposures(search: Criteria, *, by: User) -> list[Exposure]:
    """An ad hoc search (the CLI): audited per patient shown, nothing else written."""
    require_role(by, RECALL_READ, "search a lot recall")
    exposures = find_exposures(search)
    with transaction.atomic():
        _audit_each("lot_recall.search", by, exposures, object_type="lot_recall", object_id="")
    return exposures


def open_campaign(search: Criteria, *, reason: object, by: User) -> RecallCampaign:
    """Keep a search as a campaign, so outreach can be recorded against it (manager only)."""
    require_role(by, RECALL_MANAGE, "open a lot recall")
    campaign = RecallCampaign(
        lot=search.lot,
        product=search.product,
        date_from=search.date_from,
        date_to=search.date_to,
        reason=required_text(reason, "reason", 200),
        created_by=by,
    )
    with transaction.atomic():
        campaign.save(force_insert=True)
        record(
            "lot_recall.open",
            actor=by,
            object_type="lot_recall_campaign",
            object_id=campaign.pk,
            detail={"product": search.product} if search.product else {},
        )
    return campaign


def campaign_criteria(campaign: RecallCampaign) -> Criteria:
    return Criteria(
        lot=campaign.lot,
        product=campaign.product,
        date_from=campaign.date_from,
        date_to=campaign.date_to,
    )


def list_campaigns(*, by: User) -> list[RecallCampaign]:
    """The campaigns (no patient data: criteria, reason, who opened it)."""
    require_role(by, RECALL_READ, "view lot recalls")
    return list(RecallCampaign.objects.select_related("created_by"))


def get_campaign(campaign_id: object, *, by: User) -> RecallCampaign:
    require_role(by, RECALL_READ, "view lot recalls")
    return load(RecallCampaign, campaign_id, "lot recall")


def campaign_exposures(
    campaign: RecallCampaign, *, by: User, action: str = "lot_recall.view"
) -> list[Exposure]:
    """Who received it, with the outreach recorded so far; audited per patient shown."""
    require_role(by, RECALL_READ, "view lot recalls")
    exposures = find_exposures(campaign_criteria(campaign))
    contacts = {
        c.patient_id: c
        for c in RecallContact.objects.filter(campaign=campaign).select_related("status_by")
    }
    for exposure in exposures:
        exposure.contact = contacts.get(exposure.patient_id)
    with transaction.atomic():
        _audit_each(action, by, exposures, object_type="lot_recall_campaign", object_id=campaign.pk)
    return exposures


def set_outreach_status(
    campaign: RecallCampaign,
    patient_id: object,
    *,
    status: object,
    note: object = "",
    by: User,
) -> RecallContact:
    """Record where the outreach to one patient stands (manager only; audited)."""
    require_role(by, RECALL_MANAGE, "record lot recall outreach")
    code = choice(status, OutreachStatus, "status")
    text = str(note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput("note", f"must be at most {NOTE_MAX} characters")
    patient = load(Patient, patient_id, "patient")
    if not any(e.patient_id == patient.pk for e in _exposures_of(campaign, patient.pk)):
        raise InvalidInput("patient_id", "did not receive what this recall is about")
    with transaction.atomic():
        contact, _ = RecallContact.objects.select_for_update().get_or_create(
            campaign=campaign, patient=patient
        )
        contact.status = code
        contact.note = text
        contact.status_by = by
        contact.status_at = timezone.now()
        contact.save()
        record(
            "lot_recall.status",
            actor=by,
            object_type="lot_recall_campaign",
            object_id=campaign.pk,
            patient_id=patient.pk,
            detail={"status": code},
        )
    return contact


def _exposures_of(campaign: RecallCampaign, patient_id: UUID) -> list[Exposure]:
    search = campaign_criteria(campaign)
    return [e for e in find_exposures(search) if e.patient_id == patient_id]


def _audit_each(
    action: str, by: User, exposures: Sequence[Exposure], *, object_type: str, object_id: object
) -> None:
    for exposure in exposures:
        record(
            action,
            actor=by,
            object_type=object_type,
            object_id=object_id,
            patient_id=exposure.patient_id,
            detail={"count": len(exposure.sessions)},
        )


# ---- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record_number",
    "family_name",
    "given_name",
    "birth_date",
    "phone",
    "email",
    "session_date",
    "pathway",
    "product",
    "lot",
    "expiry",
    "units",
    "sites",
    "outreach_status",
    "status_by",
    "status_at",
    "note",
    "recorded_elsewhere",  # the system an external record came from; "" for a session here
)
_PLAIN_NUMBER = re.compile(r"^[+-]?[\d ().-]+$")


def exposures_csv(exposures: Sequence[Exposure]) -> str:
    """One row per patient and session, columns `CSV_COLUMNS`; UTF-8 text, comma separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in exposures:
        contact = e.contact
        for s in e.sessions:
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        e.record_number,
                        e.family_name,
                        e.given_name,
                        e.birth_date.isoformat(),
                        e.phone,
                        e.email,
                        s.on.isoformat(),
                        s.pathway,
                        s.product,
                        s.lot_text,
                        s.expiry_text,
                        format_units(s.units),
                        s.sites_text,
                        e.status,
                        contact.status_by.username if contact and contact.status_by else "",
                        contact.status_at.isoformat() if contact and contact.status_at else "",
                        contact.note if contact else "",
                        s.elsewhere,
                    )
                ]
            )
    return out.getvalue()


def _cell(value: str) -> str:
    """Spreadsheet formula injection: a cell starting =, +, -, @, tab or CR gets a leading
    apostrophe, unless it is a plain number or phone number (+44 20 7946 0000)."""
    if value and value[0] in "=+-@\t\r" and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value
