"""Forms for signing, withdrawing and publishing; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms

from bonta.consent.signature import signature_png
from bonta.consent.text import MAX_BODY, MAX_TITLE
from bonta.domain.errors import InvalidInput


class ConsentSignForm(forms.Form):
    typed_name = forms.CharField(
        label="Full name, typed by the patient",
        max_length=200,
        error_messages={"required": "Your name is required: type your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The signature pad writes the canvas here as a PNG data URL (static/bonta/signature.js).
    signature = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_signature(self) -> str:
        value = self.cleaned_data.get("signature", "")
        try:
            signature_png(value)
        except InvalidInput as error:
            raise forms.ValidationError(f"Signature {error.reason}") from None
        return str(value)

    def sign(
        self, patient: Any, *, kind: str, by: Any, channel: str, product: str | None = None
    ) -> bool:
        """Sign with this (valid) form's values, for the tablet and the portal alike, on the
        document worded for `product` (the one the page showed; None: the kind's default).

        True when signed; a value the service refuses goes next to its field (False). A
        `Conflict` (signed already, or a newer version published meanwhile) propagates.
        """
        from bonta.consent.services import sign_consent
        from bonta.ui.forms import add_service_error

        try:
            sign_consent(
                patient,
                kind=kind,
                typed_name=self.cleaned_data["typed_name"],
                signature=self.cleaned_data["signature"],
                by=by,
                channel=channel,
                version=self.cleaned_data["version"],
                product=product,
            )
        except InvalidInput as error:
            add_service_error(self, error, {})
            return False
        return True


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason the patient gave (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PublishForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE)
    body = forms.CharField(
        label="Text",
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=(
            'Blank lines separate paragraphs; a line starting with "## " is a heading and '
            '"- " a list item. Cite the source of every clinical statement.'
        ),
    )
