"""Cosmetic assessments (facial wrinkle scale per area) and wear-off reports, stored raw.

An assessment is not part of an encounter's record (records.Assessment is): a 2-week review or
a follow-up comes after the session is signed and locked, so it links to the session instead.
Responder numbers and wear-off dates are computed from these rows (`bonta.cosmetic.outcomes`,
`services`), never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bonta.records.models import Encounter, Patient
from bonta.records.models.base import uuid_pk


class AssessmentKind(models.TextChoices):
    BASELINE = "baseline", "Baseline (before treatment)"
    REVIEW_2W = "review_2w", "2-week review"
    FOLLOW_UP = "follow_up", "Follow-up"


class Rater(models.TextChoices):
    INVESTIGATOR = "investigator", "Clinician (investigator)"
    PATIENT = "patient", "Patient (self-rating)"


class WearOffSource(models.TextChoices):
    PORTAL_CHECKIN = "portal_checkin", "Portal check-in"
    WRINKLE_SCALE = "wrinkle_scale", "Follow-up wrinkle scale"
    STAFF = "staff", "Staff"


class CosmeticAssessment(models.Model):
    """Facial Wrinkle Scale grades (0–3) for one area, at rest and at maximum contraction."""

    id = uuid_pk()
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="cosmetic_assessments"
    )
    area = models.CharField(max_length=32)  # a cosmetic area code (domain anatomy)
    assessed_on = models.DateField()  # the clinic's local calendar date
    kind = models.CharField(max_length=16, choices=AssessmentKind.choices)
    rater = models.CharField(max_length=16, choices=Rater.choices, default=Rater.INVESTIGATOR)
    grade_at_rest = models.PositiveSmallIntegerField()
    grade_at_max = models.PositiveSmallIntegerField()  # at maximum contraction
    # The signed cosmetic session a review or follow-up assesses; none for a baseline.
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cosmetic_assessments",
    )
    goals = models.CharField(max_length=500, blank=True)  # baseline only
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("assessed_on", "recorded_at")
        indexes = (models.Index(fields=["patient", "area", "assessed_on"]),)
        constraints = (
            models.CheckConstraint(
                condition=Q(grade_at_rest__lte=3) & Q(grade_at_max__lte=3),
                name="cosmetic_assessment_fws_0_to_3",
            ),
            models.CheckConstraint(
                condition=Q(kind=AssessmentKind.BASELINE, encounter__isnull=True)
                | (~Q(kind=AssessmentKind.BASELINE) & Q(encounter__isnull=False)),
                name="cosmetic_assessment_review_links_session",
            ),
        )

    def __str__(self) -> str:
        return f"cosmetic assessment {self.id} ({self.kind})"


class PriorTreatment(models.Model):
    """A treatment the patient reports at baseline (their account, not a dose record: it does
    not enter the safety checks; imported external administrations do)."""

    id = uuid_pk()
    assessment = models.ForeignKey(
        CosmeticAssessment, on_delete=models.CASCADE, related_name="prior_treatments"
    )
    product = models.CharField(max_length=32, blank=True)  # a domain product code, "" unknown
    area = models.CharField(max_length=32, blank=True)  # a cosmetic area code, "" unknown
    approx_on = models.DateField(null=True, blank=True)  # approximate date, if the patient knows
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("approx_on", "id")

    def __str__(self) -> str:
        return f"prior treatment {self.id}"


class WearOffReport(models.Model):
    """One answer to "has movement returned?" for one area of one signed cosmetic session."""

    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="wear_off_reports")
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="wear_off_reports"
    )
    area = models.CharField(max_length=32)
    reported_on = models.DateField()  # the clinic's local calendar date of the answer
    returned = models.BooleanField()
    source = models.CharField(max_length=16, choices=WearOffSource.choices)
    assessment = models.OneToOneField(  # the follow-up a "wrinkle_scale" report comes from
        CosmeticAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wear_off_report",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("reported_on", "recorded_at")
        indexes = (
            models.Index(fields=["patient", "encounter", "area"]),
            models.Index(
                fields=["patient", "encounter", "area", "reported_on"],
                condition=Q(returned=True),
                name="cosmetic_wear_off_returned",
            ),
        )

    def __str__(self) -> str:
        return f"wear-off report {self.id}"
