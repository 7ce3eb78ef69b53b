"""Portal forms: they parse what the phone sent; the services decide what is valid."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from bonta.accounts.models import Role, User
from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.domain.headache.scoring import hit6_scale, midas_scale
from bonta.ui.forms import DateInput

STAFF_LOGIN = "/login/"

# Wording from clinical-reference §4.1 (ICHD-3 1.1 C and D), §4.2 (1.2 B) and §4.3 (1.3 C3).
FEATURES: tuple[tuple[str, str], ...] = (
    ("unilateral", "On one side of the head"),
    ("pulsating", "Pulsating (throbbing)"),
    ("worse_with_activity", "Worse with routine activity, or made me avoid it"),
    ("nausea", "Nausea"),
    ("vomiting", "Vomiting"),
    ("photophobia", "Bothered by light"),
    ("phonophobia", "Bothered by sound"),
    ("aura", "Aura (visual, sensory or speech symptoms)"),
)
MIGRAINE_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("believed_migraine", "I believed it was a migraine when it started"),
    ("relieved_by_triptan_or_ergot", "A triptan or ergot relieved it"),
)
# Class names of ICHD-3 8.2 (clinical-reference §4.4) and issue 4.
MEDICINES: tuple[tuple[str, str], ...] = (
    (MedicationClass.TRIPTAN, "Triptan"),
    (MedicationClass.SIMPLE_ANALGESIC, "Simple painkiller (paracetamol, aspirin or another NSAID)"),
    (MedicationClass.COMBINATION_ANALGESIC, "Combination painkiller (2+ drugs, or with caffeine)"),
    (MedicationClass.OPIOID, "Opioid"),
    (MedicationClass.ERGOT, "Ergot (ergotamine)"),
    (MedicationClass.GEPANT, "Gepant"),
    (MedicationClass.DITAN, "Ditan"),
    (MedicationClass.OTHER, "Other"),
)
INTENSITIES = (("1", "Mild"), ("2", "Moderate"), ("3", "Severe"))  # 0 none is a no-headache day
HOURS = ("1", "2", "3", "4", "6", "8", "12", "24")  # quick choices; any other in hours_other


class PortalLoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if user.role != Role.PATIENT:
            raise forms.ValidationError(
                f"This is a staff account. Staff sign in at {STAFF_LOGIN}", code="staff_account"
            )


class AcceptInvitationForm(forms.Form):
    birth_date = forms.DateField(label="Your date of birth", widget=DateInput())
    username = forms.CharField(
        label="Choose a username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 12 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class DiaryDayForm(forms.Form):
    """A headache day: hours, peak intensity, features, medicines (the no-headache day is a
    separate one-button form)."""

    hours = forms.ChoiceField(
        label="How many hours of headache?",
        choices=[(h, h) for h in HOURS],
        required=False,
        widget=forms.RadioSelect,
    )
    hours_other = forms.CharField(
        label="Other number of hours",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": "4"}),
    )
    intensity = forms.TypedChoiceField(
        label="How bad was it at its worst?",
        choices=INTENSITIES,
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )
    acute_medication = forms.MultipleChoiceField(
        label="Medicines taken for it",
        choices=MEDICINES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (*FEATURES, *MIGRAINE_QUESTIONS):
            self.fields[name] = forms.BooleanField(label=label, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        other = (data.get("hours_other") or "").strip().replace(",", ".")
        field = "hours_other" if other else "hours"  # a typed number overrides the quick choice
        try:
            hours = Decimal(other or data.get("hours") or "")
        except InvalidOperation:
            hours = None
        if hours is None or not hours.is_finite():
            self.add_error(field, "must be a number of hours" if other else "choose the hours")
        elif hours <= 0:
            self.add_error(field, "must be more than 0 hours")
        else:
            data["hours_value"] = hours
        if not data.get("intensity"):
            self.add_error("intensity", "choose mild, moderate or severe")
        if data.get("relieved_by_triptan_or_ergot") and not {
            MedicationClass.TRIPTAN,
            MedicationClass.ERGOT,
        } & set(data.get("acute_medication") or ()):
            self.add_error(
                "relieved_by_triptan_or_ergot", "tick the triptan or ergot you took, above"
            )
        return data

    def day(self, on: Any) -> DiaryDay:
        """The headache day (raises InvalidInput from the domain for an impossible day)."""
        data = self.cleaned_data
        return DiaryDay(
            on,
            headache=True,
            hours=data["hours_value"],
            intensity=data["intensity"],
            acute_medication=frozenset(MedicationClass(m) for m in data["acute_medication"]),
            **{name: data[name] for name, _ in (*FEATURES, *MIGRAINE_QUESTIONS)},
        )

    @classmethod
    def initial_for(cls, day: DiaryDay | None) -> dict[str, Any]:
        if day is None or not day.headache:
            return {}
        hours = str(day.hours.normalize())
        initial: dict[str, Any] = {
            "intensity": str(day.intensity) if day.intensity else None,
            "acute_medication": [m.value for m in day.acute_medication],
            **{name: getattr(day, name) for name, _ in (*FEATURES, *MIGRAINE_QUESTIONS)},
        }
        if hours in HOURS:
            initial["hours"] = hours
        else:
            initial["hours_other"] = hours
        return initial


class Hit6Form(forms.Form):
    """HIT-6 by item number, or with the clinic's licensed wording (`bonta.portal.licensed`)."""

    def __init__(self, *args: Any, texts: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = hit6_scale()
        answers = [(a, a.replace("_", " ").capitalize()) for a in scale.points]
        for n, item in enumerate(scale.items, start=1):
            self.fields[item] = forms.ChoiceField(
                label=texts[item] if texts else f"Item {n}",
                choices=answers,
                required=False,  # a missing item is the scorer's error, naming the item
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        return {item: self.cleaned_data[item] for item in hit6_scale().items}


class MidasForm(forms.Form):
    """MIDAS days by question number (q1–q5, optional A and B), or with licensed wording."""

    def __init__(self, *args: Any, texts: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in midas_scale().scored_items:
            self.fields[item] = forms.IntegerField(
                label=texts[item] if texts else item.upper(),
                help_text="days",
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
            )
        self.fields["a"] = forms.IntegerField(
            label=texts["a"] if texts else "A",
            required=False,
            help_text="days (optional)",
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
        )
        self.fields["b"] = forms.IntegerField(
            label=texts["b"] if texts else "B",
            required=False,
            help_text="0–10 (optional)",
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "max": "10"}),
        )

    def answers(self) -> dict[str, int | None]:
        items = (*midas_scale().scored_items, "a", "b")
        return {item: self.cleaned_data[item] for item in items}
