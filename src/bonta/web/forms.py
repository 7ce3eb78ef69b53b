"""HTML forms: they parse types (dates, numbers, choices); the services decide what is valid.

A service refusal (`InvalidInput`) is put back on the field it names with `add_service_error`.
"""

from __future__ import annotations

from django import forms

from bonta.domain.anatomy import areas, muscles
from bonta.domain.pathways import Pathway
from bonta.domain.products import all_products, products_for
from bonta.domain.reference import load as load_reference
from bonta.domain.units import format_units
from bonta.records.models import (
    URGENT_ADVERSE_EVENTS,
    AdverseEventOutcome,
    AdverseEventSeverity,
    AdverseEventType,
    Patient,
)
from bonta.records.services.patients import SEXES
from bonta.ui.forms import DateInput, DateTimeInput, now_local

NEUROMUSCULAR = "neuromuscular_disorder"  # the finding the domain attaches to these conditions


def _factors(kind: str, keep: object = None, drop: object = None) -> list[tuple[str, str]]:
    table = load_reference("patient_factors")[kind]
    return [
        (code, f["name"])
        for code, f in table.items()
        if (keep is None or f["finding"] == keep) and (drop is None or f["finding"] != drop)
    ]


class PatientForm(forms.Form):
    record_number = forms.CharField(max_length=32)
    given_name = forms.CharField(max_length=150)
    family_name = forms.CharField(max_length=150)
    birth_date = forms.DateField(label="Date of birth", widget=DateInput())
    sex = forms.ChoiceField(choices=[(s, s.capitalize()) for s in SEXES], initial="unknown")
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=32, required=False)


class FlagsForm(forms.Form):
    """The standing safety flags. A form always sends every flag (an unticked box is "none"),
    so `flags()` is a complete replacement, and the service audits what changed."""

    allergies = forms.MultipleChoiceField(
        choices=_factors("allergies"), required=False, widget=forms.CheckboxSelectMultiple
    )
    neuromuscular = forms.MultipleChoiceField(
        label="Neuromuscular disorders",
        choices=_factors("conditions", keep=NEUROMUSCULAR),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.MultipleChoiceField(
        label="Other conditions",
        choices=_factors("conditions", drop=NEUROMUSCULAR),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medications = forms.MultipleChoiceField(
        label="Relevant medications",
        choices=_factors("medications"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pregnant = forms.BooleanField(required=False)
    breastfeeding = forms.BooleanField(required=False)
    infection_sites = forms.MultipleChoiceField(
        label="Infection at an injection site",
        choices=[(code, m.name) for code, m in muscles().items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    FLAG_FIELDS = ("allergies", "medications", "pregnant", "breastfeeding", "infection_sites")

    def flags(self) -> dict[str, object]:
        data = self.cleaned_data
        flags = {name: data[name] for name in self.FLAG_FIELDS}
        flags["conditions"] = [*data["neuromuscular"], *data["conditions"]]
        return flags

    @staticmethod
    def initial_for(patient: Patient) -> dict[str, object]:
        """The form's initial values from the patient's recorded flags."""
        neuromuscular = {code for code, _ in _factors("conditions", keep=NEUROMUSCULAR)}
        return {
            "allergies": patient.allergies,
            "neuromuscular": [c for c in patient.conditions if c in neuromuscular],
            "conditions": [c for c in patient.conditions if c not in neuromuscular],
            "medications": patient.medications,
            "pregnant": patient.pregnant,
            "breastfeeding": patient.breastfeeding,
            "infection_sites": patient.infection_sites,
        }


class SafetyFlagsForm(PatientForm, FlagsForm):
    """The new-patient form for clinical staff: demographics plus the standing safety flags."""


def product_choices(pathway: Pathway) -> list[tuple[str, str]]:
    return [(p.code, p.display) for p in products_for(pathway)]


class EncounterStartForm(forms.Form):
    product = forms.ChoiceField()
    at = forms.DateTimeField(label="Session date and time", widget=DateTimeInput())
    # Asked only when the patient already has a draft on this pathway: a second one is a choice.
    another = forms.BooleanField(
        required=False, label="Yes, open a second draft for this patient on this pathway"
    )

    def __init__(self, pathway: Pathway, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["product"].choices = product_choices(pathway)
        self.fields["at"].initial = now_local()


class VialForm(forms.Form):
    lot = forms.CharField(max_length=64, label="Lot number")
    expiry = forms.DateField(widget=DateInput())
    size_units = forms.ChoiceField(label="Vial size")
    diluent_ml = forms.DecimalField(
        label="Diluent (mL of 0.9 % saline)", required=False, max_digits=6, decimal_places=2
    )
    reconstituted_at = forms.DateTimeField(
        label="Reconstituted at", required=False, widget=DateTimeInput()
    )

    def __init__(self, sizes: tuple[object, ...], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["size_units"].choices = [
            (format_units(s), f"{format_units(s)} U")
            for s in sizes  # type: ignore[arg-type]
        ]


class ReconstituteForm(forms.Form):
    diluent_ml = forms.DecimalField(label="Diluent (mL)", max_digits=6, decimal_places=2)
    at = forms.DateTimeField(label="Reconstituted at", widget=DateTimeInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["at"].initial = now_local()


def _event_types() -> list[tuple[str, str]]:
    return [
        (value, f"{label} — urgent: distant spread" if value in URGENT_ADVERSE_EVENTS else label)
        for value, label in AdverseEventType.choices
    ]


class AdverseEventForm(forms.Form):
    type = forms.ChoiceField(choices=_event_types)
    onset = forms.DateField(widget=DateInput())
    severity = forms.ChoiceField(choices=AdverseEventSeverity.choices)
    serious = forms.BooleanField(required=False, label="Serious (hospitalisation, disability…)")
    outcome = forms.ChoiceField(choices=AdverseEventOutcome.choices)
    encounter = forms.ChoiceField(label="After encounter", required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, encounters: list[tuple[str, str]], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["encounter"].choices = [("", "— not linked —"), *encounters]


class AddendumForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why (reason for the addendum)")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What (the correction)")


OTHER_INDICATION = "other"  # "given for" when the treatment was for neither of our pathways


def _areas_by_pathway() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (way.label, [(code, a.name) for code, a in areas().items() if a.pathway is way])
        for way in Pathway
    ]


class ExternalAdministrationForm(forms.Form):
    """BoNT-A given at another clinic (what the patient or a letter reports): the safety check
    counts it in the cumulative dose and the re-treatment intervals."""

    on = forms.DateField(label="Date given", widget=DateInput())
    product = forms.ChoiceField(
        choices=lambda: (
            [("", "— choose —")] + [(code, p.display) for code, p in all_products().items()]
        ),
        help_text="Units of different products are never interchangeable: choose the one given.",
    )
    units = forms.DecimalField(
        max_digits=7, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    given_for = forms.ChoiceField(
        label="Given for",
        choices=[(w.value, w.label) for w in Pathway]
        + [(OTHER_INDICATION, "Another indication (say which)")],
        widget=forms.RadioSelect,
    )
    indication = forms.CharField(
        label="Other indication",
        max_length=200,
        required=False,
        help_text="Only for another indication, e.g. cervical dystonia.",
    )
    area = forms.ChoiceField(
        label="Area treated",
        choices=lambda: [("", "— not known —"), *_areas_by_pathway()],
        required=False,
    )
    muscles = forms.MultipleChoiceField(
        label="Muscles treated",
        choices=[(code, m.name) for code, m in muscles().items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="If known; without muscles or an area, every area counts as treated.",
    )
    source_system = forms.CharField(label="Given at (clinic or record system)", max_length=200)
    source_id = forms.CharField(label="Their record reference", max_length=200, required=False)
    lot = forms.CharField(label="Lot", max_length=200, required=False)
    lot_expiry = forms.DateField(label="Lot expiry", widget=DateInput(), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("given_for") == OTHER_INDICATION and not (data.get("indication") or "").strip():
            self.add_error("indication", "Say which indication it was given for.")
        return data

    def service_arguments(self) -> dict[str, object]:
        data = self.cleaned_data
        other = data["given_for"] == OTHER_INDICATION
        return {
            "on": data["on"],
            "product": data["product"],
            "units": data["units"],
            "pathway_code": "" if other else data["given_for"],
            "indication": data["indication"],  # with a pathway too: the service refuses both
            "area": data["area"],
            "muscles": data["muscles"] or None,
            "source_system": data["source_system"],
            "source_id": data["source_id"],
            "lot": data["lot"],
            "lot_expiry": data["lot_expiry"],
        }
