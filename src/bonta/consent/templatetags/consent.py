"""`{% consent_panel patient %}` for the chart, and the `consent_blocks` filter for texts."""

from __future__ import annotations

from typing import Any

from django import template

from bonta.consent import services
from bonta.consent.text import Block, blocks

register = template.Library()


@register.filter
def consent_blocks(body: str) -> list[Block]:
    return blocks(body)


@register.inclusion_tag("consent/_panel.html", takes_context=True)
def consent_panel(context: template.Context, patient: Any) -> dict[str, Any]:
    """Current consent per kind (two queries; the page showing it audits its own read). The
    products the patient is treated with come from the page when it has read them already (the
    chart: `treated_products`, (pathway, product) pairs), else from one more query."""
    user = context["request"].user
    chart = context.get("chart")
    treated = getattr(chart, "treated_products", None)
    if treated is None:
        treated = services.treated_products(patient.pk)
    return {
        "patient": patient,
        "statuses": services.consent_statuses(patient.pk, wanted=treated),
        "can_witness": user.role in services.WITNESS,
    }
