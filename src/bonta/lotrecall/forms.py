"""The recall search form: a lot, or a product between two dates, and the reason."""

from __future__ import annotations

from django import forms

from bonta.domain.products import all_products
from bonta.lotrecall.models import OutreachStatus
from bonta.ui.forms import DateInput


def _product_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(p.code, p.display) for p in all_products().values()]


class CampaignForm(forms.Form):
    lot = forms.CharField(max_length=64, required=False, label="Lot number")
    product = forms.ChoiceField(choices=_product_choices, required=False, label="or a product")
    date_from = forms.DateField(required=False, widget=DateInput(), label="given from")
    date_to = forms.DateField(required=False, widget=DateInput(), label="to (inclusive)")
    reason = forms.CharField(
        max_length=200, label="Reason (e.g. the manufacturer's recall notice number)"
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=OutreachStatus.choices)
    note = forms.CharField(max_length=500, required=False)
