"""A realistic synthetic clinic for demos and benchmarks.

Both pathways, six products, single-use vials with their wastage, adverse events, imported
records from another clinic, and up to ten years of history. Everything is made up: names come
from short lists, dates from a seeded random generator, doses from the protocol templates.

History is written in bulk as already-signed encounters (a loader, like an import, not a
clinician's action), so 100,000 patients take minutes, not hours. It is generated to respect
the safety engine's rules — cycles at least 12 weeks apart, cosmetic areas at least 3 months
apart — so a demo chart looks like a well-run clinic's.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from bonta.accounts.models import Role
from bonta.appointments import demo as appointments_demo
from bonta.appointments.services.recall import refresh_patients
from bonta.consent import demo as consent_demo
from bonta.consent.models import Consent
from bonta.cosmetic import demo as cosmetic_demo
from bonta.domain.dilution import volume_ml
from bonta.domain.pathways import Pathway
from bonta.domain.plan import Injection
from bonta.domain.protocols import expand, get_protocol
from bonta.migraine import demo as migraine_demo
from bonta.records.models import (
    Administration,
    AdverseEvent,
    Course,
    Encounter,
    EncounterStatus,
    ExternalAdministration,
    Patient,
    Vial,
    VialDiscard,
)

DEMO_PASSWORD = "bonta-demo-2026"  # noqa: S105 - printed demo login, demo data only
DEMO_USERS = [
    ("clinician", Role.CLINICIAN),
    ("neurologist", Role.CLINICIAN),
    ("nurse", Role.NURSE),
    ("reception", Role.RECEPTION),
    ("manager", Role.MANAGER),
]

# Given names by recorded sex, so a demo patient's name fits the sex on the record; "other" and
# "unknown" draw from both lists. The lists are long enough that namesakes are rare, as in a real
# clinic (the patient list still tells them apart by date of birth, record and pathways).
GIVEN_FEMALE = [
    "Maria", "Aisha", "Olga", "Priya", "Emma", "Fatima", "Grace", "Hana", "Zara", "Sofia",
    "Chloe", "Amelia", "Ines", "Yuki", "Lena", "Nadia", "Ruth", "Clara", "Mei", "Anya",
    "Isabel", "Leila", "Freya", "Marta", "Joanna", "Elif", "Sara", "Nora", "Alice", "Rosa",
    "Helen", "Ewa", "Kate", "Lucy", "Ama", "Laura", "Julia", "Irene", "Mira", "Eva",
]  # fmt: skip
GIVEN_MALE = [
    "John", "Chen", "Tom", "Lucas", "Noah", "Ivan", "Mateo", "Leo", "Ben", "Omar",
    "David", "Kenji", "Pavel", "Samuel", "Ahmed", "Luis", "Oliver", "Daniel", "Tariq", "Jonas",
    "Marco", "Emeka", "Felix", "Hugo", "Ravi", "Peter", "Karim", "Adam", "Theo", "Milan",
]  # fmt: skip
FAMILY = [
    "Smith", "Garcia", "Khan", "Nguyen", "Müller", "Rossi", "Okafor", "Kowalski", "Haddad",
    "Silva", "Tanaka", "Brown", "Jensen", "Dubois", "Novak", "Evans", "Patel", "Lopez",
    "Schmidt", "Kim", "Ivanova", "Mensah", "O'Brien", "Costa", "Yilmaz", "Andersson",
    "Fischer", "Moreau", "Bianchi", "Wright", "Sato", "Hughes", "Ali", "Popescu", "Horvat",
    "Nowak", "Walsh", "Bauer", "Ferreira", "Lindqvist", "Murphy", "Chowdhury", "Mazur",
    "Hansen", "Romano", "Taylor", "Wong", "Abubakar",
]  # fmt: skip
GIVEN = {"female": GIVEN_FEMALE, "male": GIVEN_MALE}


def given_name(rng: random.Random, sex: str) -> str:
    """A made-up given name that fits the recorded sex (either list for other/unknown)."""
    return rng.choice(GIVEN.get(sex, GIVEN_FEMALE + GIVEN_MALE))


# Cosmetic product mix and the label dilution used for each vial (domain reference, §2.3/§3);
# for products whose reference gives the concentration only (Xeomin [W], Letybo, Daxxify
# 8 U/0.1 mL), the demo picks the matching volume.
COSMETIC_PRODUCTS = [
    ("botox_cosmetic", 45),
    ("dysport", 20),
    ("xeomin", 15),
    ("jeuveau", 10),
    ("daxxify", 5),
    ("letybo", 5),
]
VIALS = {
    "botox": (Decimal(200), Decimal(4)),
    "botox_cosmetic": (Decimal(100), Decimal("2.5")),
    "dysport": (Decimal(300), Decimal("2.5")),
    "xeomin": (Decimal(100), Decimal("2.5")),
    "jeuveau": (Decimal(100), Decimal("2.5")),
    "daxxify": (Decimal(100), Decimal("1.25")),
    "letybo": (Decimal(100), Decimal("2.5")),
}
# No platysma sessions: the label gives only totals, and the reference does not verify a
# per-site split (clinical-reference §2.2), so the demo does not make one up.
CM_EVENTS = ["neck_pain", "neck_pain", "eyelid_ptosis", "other"]
COSMETIC_EVENTS = ["bruising", "bruising", "swelling", "eyelid_ptosis", "brow_ptosis"]


def ensure_demo_users() -> dict[str, Any]:
    """The demo logins, created once; returns them by username."""
    User = get_user_model()
    users = {}
    for username, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is not None and not user.demo_account and user.check_password(DEMO_PASSWORD):
            # made by an older demo loader, still with the published password: a demo account
            user.demo_account = True
            user.save(update_fields=["demo_account"])
        if user is None:
            # demo_account: signs in without MFA while BONTA_DEMO is on (`bonta serve --demo`)
            user = User.objects.create_user(
                username, password=DEMO_PASSWORD, role=role, demo_account=True
            )
        users[username] = user
    return users


DEMO_PORTAL_USERNAME = "patient"  # the showcase patient's portal login (bonta.portal)
SHOWCASE_RECORD_NUMBER = "BN0000001"


# How much the showcase patient's portal holds: a year of headache diary and the HIT-6 and
# MIDAS answers of that year, so the portal a demo opens is not empty.
SHOWCASE_DIARY_DAYS = 365


def ensure_demo_portal_account() -> str | None:
    """Give the showcase patient a portal login, once, and a diary and questionnaires to show in
    it; the login's username, or None without one."""
    from bonta.portal.models import PortalAccount

    patient = Patient.objects.filter(record_number=SHOWCASE_RECORD_NUMBER).first()
    if patient is None:
        return None
    ensure_showcase_diary(patient)
    account = PortalAccount.objects.select_related("user").filter(patient=patient).first()
    if account is not None:
        return str(account.user.username)
    User = get_user_model()
    if User.objects.filter(username=DEMO_PORTAL_USERNAME).exists():
        return None  # the name is taken by someone else: leave it alone
    with transaction.atomic():
        user = User.objects.create_user(
            DEMO_PORTAL_USERNAME, password=DEMO_PASSWORD, role=Role.PATIENT, demo_account=True
        )
        PortalAccount.objects.create(user=user, patient=patient)
    return DEMO_PORTAL_USERNAME


def ensure_showcase_diary(patient: Patient) -> dict[str, int]:
    """A year of diary and questionnaires for the showcase patient, if it has none (each part
    is skipped when the patient already has any); what was written."""
    if not patient.courses.filter(pathway=Pathway.CHRONIC_MIGRAINE.value).exists():
        return {"diary days": 0, "questionnaires": 0}
    # The diary ends yesterday: today is left for whoever tries the portal to fill in.
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    yesterday = today - timedelta(days=1)
    return {
        "diary days": migraine_demo.generate_diaries(
            [patient], SHOWCASE_DIARY_DAYS, today=yesterday
        ),
        "questionnaires": migraine_demo.generate_questionnaires(
            patient, SHOWCASE_DIARY_DAYS, today=today
        ),
    }


@dataclass
class _Batch:
    """Rows for a chunk of patients, inserted together in one transaction."""

    patients: list[Patient] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    encounters: list[Encounter] = field(default_factory=list)
    vials: list[Vial] = field(default_factory=list)
    discards: list[VialDiscard] = field(default_factory=list)
    administrations: list[tuple[Any, ...]] = field(default_factory=list)  # see _ADMIN_COLUMNS
    adverse_events: list[AdverseEvent] = field(default_factory=list)
    external: list[ExternalAdministration] = field(default_factory=list)
    cosmetic_outcomes: list[Any] = field(default_factory=list)  # bonta.cosmetic.demo
    appointments: list[Any] = field(default_factory=list)  # bonta.appointments.demo
    consents: list[tuple[Any, ...]] = field(default_factory=list)  # consent_demo.COLUMNS

    def save(self) -> None:
        with transaction.atomic():
            # Signed history is written the way sign-off writes it: each encounter a draft
            # while its administrations go in, then signed (the database refuses rows added
            # to a signed encounter: records migration 0008).
            for encounter in self.encounters:
                encounter.status = EncounterStatus.DRAFT
            for rows in (self.patients, self.courses, self.vials, self.encounters):
                if rows:
                    type(rows[0]).objects.bulk_create(rows, batch_size=2000)
            _insert_rows(Administration, _ADMIN_COLUMNS, self.administrations)
            ids = [encounter.pk for encounter in self.encounters]
            for start in range(0, len(ids), 2000):
                Encounter.objects.filter(pk__in=ids[start : start + 2000]).update(
                    status=EncounterStatus.SIGNED
                )
            for encounter in self.encounters:
                encounter.status = EncounterStatus.SIGNED
            for rows in (self.discards, self.adverse_events, self.external):
                if rows:
                    type(rows[0]).objects.bulk_create(rows, batch_size=2000)
            _insert_rows(Consent, consent_demo.COLUMNS, self.consents)
            cosmetic_demo.save(self.cosmetic_outcomes)
            appointments_demo.save(self.appointments)
            # the recall list's stored due dates, from the rows just written
            refresh_patients([p.pk for p in self.patients])

    def counts(self) -> dict[str, int]:
        return {
            "patients": len(self.patients),
            "encounters": len(self.encounters),
            "administrations": len(self.administrations),
            "vials": len(self.vials),
            "adverse events": len(self.adverse_events),
            "external records": len(self.external),
            "cosmetic assessments and wear-off reports": len(self.cosmetic_outcomes),
            "appointments": len(self.appointments),
            "consents": len(self.consents),
        }


class _Clinic:
    def __init__(self, seed: int, years: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.years = years
        self.today = today
        users = ensure_demo_users()
        self.injector = users["clinician"]
        self.neurologist = users["neurologist"]
        self.nurse = users["nurse"]
        self.lot_serial = 0
        self.outcomes_rng = random.Random(seed + 1)  # its own stream: the clinic's stays as it was
        self.consent_documents = consent_demo.current_documents()
        self.consented_at = timezone.now()
        self.calendar = appointments_demo.Calendar(seed + 2, today, self.nurse)  # own stream too

    def patient(self, number: int, batch: _Batch, showcase: bool = False) -> None:
        rng = self.rng
        birth = self.today - timedelta(days=rng.randint(20 * 365, 75 * 365))
        # Names come from their own stream, after the sex is known; the clinic's stream still
        # makes the two draws it made for names before, so a seed gives the same histories.
        rng.randrange(20), rng.randrange(16)
        sex = rng.choice(["female", "female", "female", "male"])
        names = random.Random(f"{self.seed}:names:{number}")
        patient = Patient(
            record_number=f"BN{number:07d}",
            given_name=given_name(names, sex),
            family_name=names.choice(FAMILY),
            birth_date=birth,
            sex=sex,
            email=f"patient{number}@example.invalid",
            medications=["muscle_relaxant"] if rng.random() < 0.04 else [],
            conditions=["swallowing_disorder"] if rng.random() < 0.01 else [],
            allergies=[],
        )
        batch.patients.append(patient)
        roll = rng.random()
        migraine = showcase or roll < 0.3
        cosmetic = showcase or roll >= 0.25
        if migraine:
            self.migraine_course(patient, batch, showcase)
        if cosmetic:
            self.cosmetic_course(patient, batch, showcase, alongside_migraine=migraine)
        # Signed consents for each pathway treated, worded for each product received (a consent
        # covers only its product), and photographs for cosmetic patients.
        received = sorted(
            {
                e.product
                for e in batch.encounters
                if e.patient is patient and e.pathway == Pathway.COSMETIC.value
            }
        )
        kinds: list[str | tuple[str, str]] = ["chronic_migraine"] * migraine
        kinds += [("cosmetic", p) for p in received] or ["cosmetic"] * cosmetic
        kinds += ["photography"] * cosmetic
        batch.consents += consent_demo.rows(
            patient, kinds, self.consent_documents, self.nurse, self.consented_at
        )
        if rng.random() < 0.03:
            batch.external.append(
                ExternalAdministration(
                    patient=patient,
                    on=self.today - timedelta(days=rng.randint(200, 2000)),
                    product="botox_cosmetic",
                    units=Decimal(20),
                    pathway=Pathway.COSMETIC.value,
                    area="glabellar_lines",
                    muscles=["corrugator", "procerus"],
                    source_system="Other Clinic (FHIR import)",
                    source_id=f"MA-{number}",
                )
            )

    def _start(self, showcase: bool) -> date:
        if showcase:
            return self.today - timedelta(days=365 * self.years)
        return self.today - timedelta(days=self.rng.randint(30, 365 * self.years))

    def migraine_course(self, patient: Patient, batch: _Batch, showcase: bool) -> None:
        rng = self.rng
        day = self._start(showcase)
        course = Course(patient=patient, pathway=Pathway.CHRONIC_MIGRAINE.value, started_on=day)
        batch.courses.append(course)
        # NICE TA260 stops many courses after two cycles; the rest carry on.
        cycles = 10_000 if showcase else (2 if rng.random() < 0.35 else rng.randint(3, 20))
        injections = expand(get_protocol("preempt_fixed_site"), "botox")
        for _ in range(cycles):
            if day > self.today - timedelta(days=1):
                break
            self.session(
                patient, course, batch, day, "botox", injections, self.neurologist, CM_EVENTS
            )
            day += timedelta(weeks=12, days=rng.choice([0, 0, 1, 3, 7, 14]))
        cm = Pathway.CHRONIC_MIGRAINE
        batch.appointments += self.calendar.next_visit(patient, cm, day, self.neurologist)

    def cosmetic_course(
        self, patient: Patient, batch: _Batch, showcase: bool, alongside_migraine: bool
    ) -> None:
        rng = self.rng
        day = self._start(showcase) + timedelta(days=rng.randint(0, 40))
        course = Course(patient=patient, pathway=Pathway.COSMETIC.value, started_on=day)
        batch.courses.append(course)
        product = "botox_cosmetic" if alongside_migraine else _weighted(rng, COSMETIC_PRODUCTS)
        sessions = []
        while day < self.today - timedelta(days=1):
            plan = self.cosmetic_plan(product, alongside_migraine)
            self.session(patient, course, batch, day, product, plan, self.injector, COSMETIC_EVENTS)
            sessions.append((batch.encounters[-1], plan))
            if not showcase and rng.random() < 0.3:
                break  # patients drift away
            if rng.random() < 0.1 and not alongside_migraine:
                product = _weighted(rng, COSMETIC_PRODUCTS)
            day += timedelta(days=rng.randint(100, 200))
        batch.cosmetic_outcomes += cosmetic_demo.course_outcomes(
            self.outcomes_rng, sessions, by=self.nurse, today=self.today, showcase=showcase
        )
        cosmetic = Pathway.COSMETIC
        batch.appointments += self.calendar.next_visit(patient, cosmetic, day, self.injector)
        batch.appointments += self.calendar.review(patient, [e for e, _ in sessions], self.nurse)

    def cosmetic_plan(self, product: str, alongside_migraine: bool) -> tuple[Injection, ...]:
        rng = self.rng
        if alongside_migraine:
            # PREEMPT already injects corrugator, procerus and frontalis every 12 weeks: a
            # well-run clinic treats only the other areas cosmetically.
            return expand(get_protocol("lateral_canthal_lines"), product)
        if product == "botox_cosmetic":
            roll = rng.random()
            template = "forehead_and_glabellar_lines" if roll < 0.45 else "glabellar_lines"
            plan = expand(get_protocol(template), product)
            if rng.random() < 0.4:
                plan += expand(get_protocol("lateral_canthal_lines"), product)
            return plan
        return expand(get_protocol("glabellar_lines"), product)

    def session(
        self,
        patient: Patient,
        course: Course,
        batch: _Batch,
        day: date,
        product: str,
        injections: tuple[Injection, ...],
        clinician: Any,
        events: list[str],
    ) -> None:
        rng = self.rng
        at = datetime.combine(
            day, time(9 + rng.randint(0, 7), rng.choice([0, 15, 30, 45])), tzinfo=UTC
        )
        size, diluent = VIALS[product]
        self.lot_serial += 1
        vial = Vial(
            product=product,
            lot=f"D{self.lot_serial:07d}",
            expiry=day + timedelta(days=rng.randint(60, 700)),
            size_units=size,
            diluent_ml=diluent,
            reconstituted_at=at - timedelta(minutes=20),
        )
        encounter = Encounter(
            patient=patient,
            course=course,
            pathway=course.pathway,
            at=at,
            product=product,
            clinician=clinician,
            status=EncounterStatus.SIGNED,
            signed_by=clinician,
            signed_at=at + timedelta(minutes=25),
        )
        batch.vials.append(vial)
        batch.encounters.append(encounter)
        batch.appointments += self.calendar.attended(patient, encounter)
        total = Decimal(0)
        for position, injection in enumerate(injections):
            total += injection.units
            batch.administrations.append(
                (
                    uuid.uuid4(),
                    encounter.id,
                    position,
                    product,
                    injection.muscle,
                    injection.side.value,
                    injection.point or "",
                    injection.units,
                    _volume(injection.units, size, diluent),
                    vial.id,
                    vial.lot,
                )
            )
        if total < size:
            batch.discards.append(
                VialDiscard(
                    vial=vial,
                    units=size - total,
                    reason="single-use vial: remainder discarded",
                    at=at + timedelta(minutes=30),
                    by=self.nurse,
                )
            )
        if rng.random() < 0.05:
            kind = rng.choice(events)
            batch.adverse_events.append(
                AdverseEvent(
                    patient=patient,
                    encounter=encounter,
                    type=kind,
                    onset=day + timedelta(days=rng.randint(1, 10)),
                    severity=rng.choice(["mild", "mild", "moderate"]),
                    serious=False,
                    outcome="resolved",
                    urgent=False,
                    recorded_by=clinician,
                )
            )


# Administrations are most of the rows (31 a migraine cycle): they skip model instances and go
# in with one executemany, values adapted per column as Django would.
_ADMIN_COLUMNS = (
    "id",
    "encounter_id",
    "position",
    "product",
    "muscle",
    "side",
    "point",
    "units",
    "volume_ml",
    "vial_id",
    "lot",
)


def _insert_rows(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    native_uuid = connection.features.has_native_uuid_field
    uuid_columns = [
        i
        for i, name in enumerate(columns)
        if isinstance(
            model._meta.get_field(name.removesuffix("_id")).target_field
            if name.endswith("_id")
            else model._meta.get_field(name),
            models.UUIDField,
        )
    ]
    if not native_uuid:
        rows = [_hex(row, uuid_columns) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 - fixed names
                rows[start : start + 5000],
            )


def _hex(row: tuple[Any, ...], uuid_columns: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in uuid_columns:
        values[i] = values[i].hex
    return tuple(values)


@cache
def _volume(units: Decimal, size: Decimal, diluent: Decimal) -> Decimal:
    return volume_ml(units, size, diluent)


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def generate(
    patients: int,
    *,
    seed: int = 1,
    years: int = 10,
    progress: bool = False,
    chunk: int = 500,
) -> dict[str, int]:
    """Add `patients` synthetic patients after any already there; return what was created."""
    from tqdm import tqdm

    clinic = _Clinic(seed, years, timezone.localdate())
    start = Patient.objects.count() + 1
    clinic.lot_serial = Vial.objects.count()
    totals: dict[str, int] = {}
    bar = tqdm(total=patients, unit="patients", disable=not progress, leave=False)
    for first in range(start, start + patients, chunk):
        batch = _Batch()
        for number in range(first, min(first + chunk, start + patients)):
            clinic.patient(number, batch, showcase=number == 1)
        batch.save()
        for name, count in batch.counts().items():
            totals[name] = totals.get(name, 0) + count
        bar.update(len(batch.patients))
    bar.close()
    return totals
