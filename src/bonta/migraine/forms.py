"""Forms on the headache-diary page: they parse types; the diary services decide what is valid.

HIT-6 and MIDAS are copyrighted (clinical-reference §6.1; `bonta.domain.headache.scoring`): items
are
labelled by number only ("Item 1", "Q1"), never by their wording.
"""

from __future__ import annotations

from typing import Any

from django import forms

from bonta.domain.headache.scoring import hit6_scale, midas_scale
from bonta.migraine.assessment import NOTE_MAX
from bonta.ui.forms import DateInput

MAX_CSV_BYTES = 2_000_000  # ten years of diary is ~400 kB; a bigger file is not a diary


class DiaryImportForm(forms.Form):
    file = forms.FileField(label="Diary CSV", help_text="One row per day, header row first.")
    replace = forms.BooleanField(
        label="Overwrite days already in the diary", required=False, initial=False
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(f"is larger than {MAX_CSV_BYTES // 1_000_000} MB")
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError("is not UTF-8 text") from None


# The HIT-6 and MIDAS forms sit on one page: their date inputs need ids of their own, or the
# MIDAS label would focus the HIT-6 input (axe: duplicate-id-aria).
class Hit6Form(forms.Form):
    completed_on = forms.DateField(label="Completed on", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].widget.attrs["id"] = "id_hit6_completed_on"
        scale = hit6_scale()
        answers = [("", "—")] + [(a, a.replace("_", " ").capitalize()) for a in scale.points]
        for n, item in enumerate(scale.items, start=1):
            self.fields[item] = forms.ChoiceField(label=f"Item {n}", choices=answers)

    def answers(self) -> dict[str, str]:
        return {item: self.cleaned_data[item] for item in hit6_scale().items}


class MidasForm(forms.Form):
    completed_on = forms.DateField(label="Completed on", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].widget.attrs["id"] = "id_midas_completed_on"
        for item in midas_scale().scored_items:
            self.fields[item] = forms.IntegerField(label=item.upper(), help_text="days")
        self.fields["a"] = forms.IntegerField(label="A", required=False, help_text="days")
        self.fields["b"] = forms.IntegerField(label="B", required=False, help_text="0–10")

    def answers(self) -> dict[str, int | None]:
        items = (*midas_scale().scored_items, "a", "b")
        return {item: self.cleaned_data[item] for item in items}


class OveruseManagementForm(forms.Form):
    """NICE TA260 1.1: "the condition is appropriately managed for medication overuse"."""

    managed = forms.TypedChoiceField(
        label="Medication overuse appropriately managed (NICE TA260 1.1)",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="Your clinical judgement; the diary's ICHD-3 8.2 figures are shown above.",
    )
    recorded_on = forms.DateField(label="Judged on", widget=DateInput())
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the record; never in the audit log.",
    )
