"""Encounters (one visit on one pathway), their plan, administrations, overrides and addenda.

A signed encounter is immutable (DESIGN §3, fixed): `save` and `delete` refuse, here and in
the services, and an Addendum is the only correction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from bonta.records.errors import SignedEncounterImmutable
from bonta.records.models.base import (
    SIDE_CHOICES,
    pathway_field,
    units_field,
    uuid_pk,
    volume_ml_field,
)
from bonta.records.models.patients import Course, Patient
from bonta.records.models.stock import Vial


class EncounterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Encounter(models.Model):
    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="encounters")
    pathway = pathway_field()
    at = models.DateTimeField()
    product = models.CharField(max_length=32)
    protocol = models.CharField(max_length=64, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="encounters"
    )
    status = models.CharField(
        max_length=16, choices=EncounterStatus.choices, default=EncounterStatus.DRAFT
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("at",)
        indexes = (
            models.Index(fields=["patient", "status"]),
            # The recall list: signed sessions of one pathway and product in a date band, and
            # "is there a later signed session of this patient on this pathway?".
            models.Index(
                fields=["status", "pathway", "product", "at"], name="records_enc_recall_band"
            ),
            models.Index(
                fields=["patient", "pathway", "status", "at"], name="records_enc_patient_way"
            ),
        )

    def __str__(self) -> str:
        return f"encounter {self.id} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # What is stored decides, not the in-memory copy: a stale draft object must not
        # overwrite a row another session has signed.
        if not self._state.adding and _stored_as_signed(Encounter, self.pk):
            raise SignedEncounterImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if _stored_as_signed(Encounter, self.pk):
            raise SignedEncounterImmutable()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == EncounterStatus.SIGNED


def _stored_as_signed(model: type[Encounter], pk: object) -> bool:
    return model.objects.filter(pk=pk, status=EncounterStatus.SIGNED).exists()


class _PartOfEncounter(models.Model):
    """Rows that belong to an encounter's record and freeze with it once it is signed."""

    class Meta:
        abstract = True

    encounter_id: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _stored_as_signed(Encounter, self.encounter_id):
            raise SignedEncounterImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if _stored_as_signed(Encounter, self.encounter_id):
            raise SignedEncounterImmutable()
        return super().delete(*args, **kwargs)


class PlannedInjection(_PartOfEncounter):
    id = uuid_pk()
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="plan")
    position = models.PositiveIntegerField()
    muscle = models.CharField(max_length=64)
    side = models.CharField(max_length=8, choices=SIDE_CHOICES)
    units = units_field()
    point = models.CharField(max_length=64, blank=True)
    vial = models.ForeignKey(Vial, on_delete=models.PROTECT, related_name="planned")

    class Meta:
        ordering = ("position",)

    def __str__(self) -> str:
        return f"{self.units} U {self.muscle} {self.side}"


class Administration(_PartOfEncounter):
    """What was given, written once at sign-off from the plan; totals are derived from these."""

    id = uuid_pk()
    # Indexed with its muscle (Meta.indexes), which serves every lookup by encounter too.
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="administrations", db_index=False
    )
    position = models.PositiveIntegerField()
    product = models.CharField(max_length=32)
    muscle = models.CharField(max_length=64)
    side = models.CharField(max_length=8, choices=SIDE_CHOICES)
    point = models.CharField(max_length=64, blank=True)
    units = units_field()
    # None only when the vial had no recorded diluent (a clinician overrode
    # vial_not_reconstituted): the volume cannot be derived then, and is not guessed.
    volume_ml = volume_ml_field(null=True, blank=True)
    vial = models.ForeignKey(Vial, on_delete=models.PROTECT, related_name="administrations")
    lot = models.CharField(max_length=64)  # snapshot: the record keeps the lot if a vial is fixed

    class Meta:
        ordering = ("position",)
        indexes = (
            # A session's muscles without reading its rows (the recall list reads thousands),
            # and, on PostgreSQL, its product and units too (INCLUDE; SQLite has no covering
            # indexes and builds it on (encounter, muscle)): a patient's history, grouped per
            # session, is read from the index alone. Without that the planner costs a heap
            # visit per administration and prefers a parallel scan of every encounter (60-80 ms
            # at 100k patients; 2 ms with it).
            models.Index(
                fields=["encounter", "muscle"],
                include=["product", "units"],
                name="records_admin_by_encounter",
            ),
        )

    def __str__(self) -> str:
        return f"{self.units} U {self.product} {self.muscle} {self.side}"


# Overrides written before coded reasons (issue 10) have no reason code: only free text.
LEGACY_REASON = "legacy_free_text"


class FindingOverride(models.Model):
    """A clinician's override of a clinical block at sign-off (audited), written once.

    `reason_code` is a `bonta.domain.overrides.REASONS` code; `reason` the clinician's own
    words. `countersigner` is the second clinician who countersigned (where the block needs
    one, `cumulative_dose_exceeded`), by their own act while signed in as themselves. Rows from
    before coded reasons have no code (`LEGACY_REASON` when shown) and no countersigner. Every
    column is written in the one INSERT at sign-off, never updated.
    """

    id = uuid_pk()
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="overrides")
    code = models.CharField(max_length=64)
    reason = models.TextField()
    # Nullable (no default) so the column is added without rebuilding the table: null is a
    # legacy row (shown as LEGACY_REASON); every new override carries a code.
    reason_code = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    countersigner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["encounter", "code"], name="one_override_per_code"),
        )

    def __str__(self) -> str:
        return f"override {self.code} on {self.encounter_id}"

    @property
    def reason_code_shown(self) -> str:
        return self.reason_code or LEGACY_REASON


class CountersignatureRequest(models.Model):
    """Sign-off waiting for a second clinician: the overrides the first clinician signed.

    The first clinician (`requested_by`) signs the overrides; a different clinician, signed in
    as themselves, countersigns, and only then is the encounter signed (in that transaction,
    after a fresh check). Any change to the plan withdraws the request; `plan_fingerprint`
    names the plan it was made for. One per draft; removed when the encounter is signed.
    """

    id = uuid_pk()
    encounter = models.OneToOneField(
        Encounter, on_delete=models.CASCADE, related_name="countersignature_request"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    plan_fingerprint = models.CharField(max_length=64)
    overrides = models.JSONField()  # [{"finding", "reason", "note"}], as validated

    def __str__(self) -> str:
        return f"countersignature request on {self.encounter_id}"


class Addendum(models.Model):
    """The only correction to a signed encounter: who, when, why, what."""

    id = uuid_pk()
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        ordering = ("at",)
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"addendum {self.id}"


class Assessment(_PartOfEncounter):
    """Pre-treatment findings for one pathway; `data` is deliberately open until later issues."""

    id = uuid_pk()
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="assessments")
    pathway = pathway_field()
    data = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"assessment {self.id}"
