"""HTML forms for cosmetic assessments and wear-off reports: they parse types, the services
decide what is valid (`bonta.ui.forms.add_service_error` puts a refusal on its field)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from bonta.cosmetic.models import Rater
from bonta.cosmetic.outcomes import FWS_GRADES
from bonta.cosmetic.services import PriorTreatmentInput, cosmetic_areas
from bonta.domain.anatomy import areas
from bonta.domain.products import all_products
from bonta.ui.forms import DateInput

GRADE_CHOICES = [("", "—")] + [(str(g), f"{g} — {name}") for g, name in FWS_GRADES.items()]
GRADE_HELP = "Facial Wrinkle Scale: 0 none, 1 mild, 2 moderate, 3 severe (clinical-reference §7)."


def area_choices(blank: str | None = None) -> list[tuple[str, str]]:
    found = [(code, areas()[code].name) for code in cosmetic_areas()]
    return [("", blank), *found] if blank is not None else found


class GradesForm(forms.Form):
    assessed_on = forms.DateField(label="Assessed on", widget=DateInput())
    rater = forms.ChoiceField(choices=Rater.choices, initial=Rater.INVESTIGATOR, label="Rated by")
    grade_at_rest = forms.TypedChoiceField(
        choices=GRADE_CHOICES, coerce=int, label="FWS at rest", help_text=GRADE_HELP
    )
    grade_at_max = forms.TypedChoiceField(
        choices=GRADE_CHOICES, coerce=int, label="FWS at maximum contraction"
    )


class BaselineForm(GradesForm):
    area = forms.ChoiceField(choices=area_choices, label="Treatment area")
    goals = forms.CharField(
        max_length=500, required=False, label="Patient's goals", widget=forms.Textarea({"rows": 2})
    )
    field_order = ("area", "assessed_on", "rater", "grade_at_rest", "grade_at_max", "goals")


class PriorTreatmentForm(forms.Form):
    product = forms.ChoiceField(required=False, label="Product")
    area = forms.ChoiceField(required=False, choices=lambda: area_choices("unknown"), label="Area")
    approx_on = forms.DateField(required=False, label="About when", widget=DateInput())
    note = forms.CharField(max_length=300, required=False, label="Note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = sorted(all_products().values(), key=lambda p: p.brand)
        self.fields["product"].choices = [("", "unknown")] + [(p.code, p.brand) for p in products]  # type: ignore[attr-defined]

    def entry(self) -> PriorTreatmentInput | None:
        data = self.cleaned_data
        if not any(data.get(k) for k in ("product", "area", "approx_on", "note")):
            return None
        return PriorTreatmentInput(
            data.get("product") or "",
            data.get("area") or "",
            data.get("approx_on"),
            data.get("note") or "",
        )


PriorTreatmentFormSet = forms.formset_factory(PriorTreatmentForm, extra=3, max_num=3)


class SessionAreaField(forms.ChoiceField):
    """One area of one signed cosmetic session, as "<encounter id>:<area>"."""


class SessionGradesForm(GradesForm):
    session_area = SessionAreaField(label="Session and area")
    field_order = ("session_area", "assessed_on", "rater", "grade_at_rest", "grade_at_max")

    def __init__(self, sessions: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session_area"].choices = sessions  # type: ignore[attr-defined]

    def session_and_area(self) -> tuple[str, str]:
        encounter_id, _, area = self.cleaned_data["session_area"].partition(":")
        return encounter_id, area


class WearOffForm(forms.Form):
    session_area = SessionAreaField(label="Session and area")
    on = forms.DateField(label="Reported on", widget=DateInput())
    returned = forms.TypedChoiceField(
        choices=[("", "—"), ("yes", "Yes: movement has returned"), ("no", "No: not yet")],
        coerce=lambda v: v == "yes",
        label="Has movement returned in this area?",
    )

    def __init__(self, sessions: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session_area"].choices = sessions  # type: ignore[attr-defined]

    def session_and_area(self) -> tuple[str, str]:
        encounter_id, _, area = self.cleaned_data["session_area"].partition(":")
        return encounter_id, area


def session_area_label(session_on: date, brand: str, area: str) -> str:
    return f"{session_on.isoformat()} · {brand} · {areas()[area].name}"
