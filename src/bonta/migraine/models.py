"""Diary days, HIT-6/MIDAS answers and prior preventive medicines, stored raw.

Nothing here is a computed counter (DESIGN §4 "Diary → outcomes"): periods, overuse and the
NICE verdicts are computed by `bonta.domain` from these rows, one patient at a time
(`services.diary_summary_for`) or for the whole clinic (`population`).

Acute medication is one small integer per day, a bitmask over `MEDICATION_BITS` (bit *i* is
`MEDICATION_CLASSES[i]`): the population report tests classes with one AND per row instead of
parsing a list. **The order is fixed**: append new classes at the end, never reorder, or every
stored day changes meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import models

from bonta.domain.headache.days import DAY_FLAGS, MEDICATION_CLASSES, DiaryDay, MedicationClass
from bonta.domain.headache.nice import OveruseManagement as OveruseStatement
from bonta.records.models import Patient
from bonta.records.models.base import uuid_pk

MEDICATION_BITS: dict[MedicationClass, int] = {
    cls: 1 << i for i, cls in enumerate(MEDICATION_CLASSES)
}  # triptan 1, ergot 2, opioid 4, simple_analgesic 8, combination_analgesic 16, gepant 32, …


HOURS_STEP = Decimal("0.01")  # the hours column keeps 2 decimal places


def medication_mask(classes: Iterable[MedicationClass]) -> int:
    mask = 0
    for cls in classes:
        mask |= MEDICATION_BITS[cls]
    return mask


@cache
def medication_classes(mask: int) -> frozenset[MedicationClass]:
    return frozenset(cls for cls, bit in MEDICATION_BITS.items() if mask & bit)


class EnteredBy(models.TextChoices):
    PATIENT = "patient", "Patient"
    STAFF = "staff", "Staff"


class DiaryEntry(models.Model):
    """One patient-day as recorded; a date with no row is missing, never headache-free."""

    # An integer key, not a UUID: a diary grows by 365 rows a patient a year and is addressed
    # by (patient, date), never by its own id.
    id = models.BigAutoField(primary_key=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diary_entries")
    on = models.DateField(db_column="on_date")  # the patient's local calendar date (DESIGN §5)
    headache = models.BooleanField()
    hours = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(0))
    intensity = models.PositiveSmallIntegerField(default=0)  # 0 none … 3 severe
    unilateral = models.BooleanField(default=False)
    pulsating = models.BooleanField(default=False)
    worse_with_activity = models.BooleanField(default=False)
    nausea = models.BooleanField(default=False)
    vomiting = models.BooleanField(default=False)
    photophobia = models.BooleanField(default=False)
    phonophobia = models.BooleanField(default=False)
    aura = models.BooleanField(default=False)
    believed_migraine = models.BooleanField(default=False)
    relieved_by_triptan_or_ergot = models.BooleanField(default=False)
    acute_medication = models.PositiveSmallIntegerField(default=0)  # bitmask, MEDICATION_BITS
    entered_by = models.CharField(max_length=16, choices=EnteredBy.choices)
    recorded_by = models.ForeignKey(  # the staff member who last wrote the day, if staff did
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("patient", "on")
        verbose_name_plural = "diary entries"
        constraints = (
            # Also the population report's index: rows read in (patient, date) order.
            models.UniqueConstraint(fields=["patient", "on"], name="one_diary_entry_per_day"),
            models.CheckConstraint(
                condition=models.Q(hours__gte=0, hours__lte=24), name="diary_hours_0_to_24"
            ),
            models.CheckConstraint(
                condition=models.Q(intensity__lte=3), name="diary_intensity_0_to_3"
            ),
        )

    def __str__(self) -> str:
        return f"diary {self.patient_id} {self.on}"

    def to_domain(self) -> DiaryDay:
        return DiaryDay(
            on=self.on,
            hours=self.hours.normalize(),  # 5.00 in the column, 5 as entered
            intensity=self.intensity,
            acute_medication=medication_classes(self.acute_medication),
            **{flag: getattr(self, flag) for flag in DAY_FLAGS},
        )

    def copy_from(self, day: DiaryDay) -> None:
        """Take every recorded field of `day` (already checked by the domain)."""
        self.on = day.on
        self.hours = day.hours
        self.intensity = day.intensity
        self.acute_medication = medication_mask(day.acute_medication)
        for flag in DAY_FLAGS:
            setattr(self, flag, getattr(day, flag))


class Instrument(models.TextChoices):
    HIT6 = "hit6", "HIT-6"
    MIDAS = "midas", "MIDAS"


class QuestionnaireResponse(models.Model):
    """Answers to HIT-6 or MIDAS with the score `bonta.domain.headache.scoring` gave them (no item
    text)."""

    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="questionnaires")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    answers = models.JSONField()
    score = models.PositiveSmallIntegerField()  # HIT-6 total 36–78, MIDAS total in days
    band = models.CharField(max_length=32)  # HIT-6 impact band or MIDAS grade code
    completed_on = models.DateField()
    entered_by = models.CharField(max_length=16, choices=EnteredBy.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("completed_on", "created_at")
        indexes = (models.Index(fields=["patient", "instrument", "completed_on"]),)

    def __str__(self) -> str:
        return f"{self.instrument} {self.score} on {self.completed_on}"


class StopReason(models.TextChoices):
    # NICE TA260 1.1: "have not worked, are not tolerated or are unsuitable"
    FAILED = "failed", "Did not work"
    NOT_TOLERATED = "not_tolerated", "Not tolerated"
    UNSUITABLE = "unsuitable", "Unsuitable"


class PriorPreventive(models.Model):
    """A preventive medicine tried before botulinum toxin (NICE TA260 1.1 initiation)."""

    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prior_preventives")
    drug = models.CharField(max_length=100)
    dose = models.CharField(max_length=100)  # as prescribed, e.g. "100 mg daily"
    duration_weeks = models.PositiveIntegerField(
        null=True, blank=True
    )  # None: unsuitable, never taken
    reason_stopped = models.CharField(max_length=16, choices=StopReason.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("recorded_at",)

    def __str__(self) -> str:
        return f"prior preventive {self.id}"


class OveruseManagement(models.Model):
    """A clinician's statement for NICE TA260 1.1: "the condition is appropriately managed for
    medication overuse" — yes or no, on a date, by whom.

    History is kept: a new statement never overwrites an old one. The statement that counts on
    a date is the latest made on or before it
    (`bonta.domain.headache.nice.overuse_management_as_of`);
    with none, the NICE criterion is *not evaluable* ("not recorded"), never assumed met.
    """

    id = uuid_pk()
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="overuse_statements"
    )
    recorded_on = models.DateField()  # the clinic's local date the judgement was made
    managed = models.BooleanField()
    note = models.CharField(max_length=500, blank=True)  # free text: never in the audit log
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("recorded_on", "recorded_at")
        indexes = (models.Index(fields=["patient", "recorded_on"]),)
        verbose_name = "medication-overuse management statement"

    def __str__(self) -> str:
        return f"overuse management {self.id}"

    def to_domain(self) -> OveruseStatement:
        return OveruseStatement(managed=self.managed, recorded_on=self.recorded_on)
