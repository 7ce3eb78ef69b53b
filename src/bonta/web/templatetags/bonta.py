"""Display filters (product brands, units without trailing zeros, time left), the chart's
timeline and the chart panels."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bonta.domain.anatomy import muscles, points
from bonta.domain.calendar import age_on
from bonta.domain.products import all_products
from bonta.domain.units import format_units
from bonta.web.injection_map import point_label
from bonta.web.panels import render_chart_panels

register = template.Library()


@register.filter
def brand(code: str) -> str:
    product = all_products().get(code)
    return product.brand if product else code


@register.filter
def age(birth_date: date | None) -> str:
    """Whole years on the clinic's calendar date today (tells namesakes apart in the list)."""
    if birth_date is None:
        return ""
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    return str(age_on(birth_date, today))


@register.filter
def units(amount: Decimal | None) -> str:
    return "" if amount is None else format_units(Decimal(amount))


@register.filter
def hours_minutes(left: timedelta | None) -> str:
    if left is None:
        return ""
    minutes = int(left.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@register.filter
def point_name(code: str) -> str:
    return point_label(code) if code in points() else (code or "—")


@register.filter
def muscle_name(code: str) -> str:
    found = muscles().get(code)
    return found.name if found else code


@register.simple_tag(takes_context=True)
def chart_panels(context: template.Context, patient: Any) -> str:
    """The feature apps' chart panels (settings.BONTA_CHART_PANELS; see bonta.web.panels)."""
    return render_chart_panels(context, patient)


PATHWAY_LABELS = {
    "cosmetic": '<span class="pathway pathway-cosmetic"><span class="pathway-mark" '
    'aria-hidden="true">◆</span> Cosmetic</span>',
    "chronic_migraine": '<span class="pathway pathway-chronic_migraine"><span class="pathway-mark" '
    'aria-hidden="true">●</span> Chronic migraine</span>',
}


@register.simple_tag
def timeline(entries: Any) -> SafeString:
    """The chart's encounter list items (`web.queries.TimelineEntry`, texts formatted there),
    written here rather than in a template loop: a ten-year history has dozens, and the template
    engine's per-variable work was the largest part of the page. The markup is what
    `web/_pathway.html`'s labels and the old loop gave, character for character."""
    parts = []
    for e in entries:
        label = PATHWAY_LABELS["cosmetic" if e.pathway == "cosmetic" else "chronic_migraine"]
        parts.append(
            f'\n    <li class="tl tl-{escape(e.pathway)}">'
            f'\n      <a href="/encounters/{escape(e.pk)}/">'
            f'\n        <span class="tl-date">{escape(e.date)}</span>'
            f"\n        {label}"
            f'\n        <span class="tl-what">{escape(e.what)}</span>'
            f'\n        <span class="status status-{escape(e.status)}">'
            f"{escape(e.status_label)}</span>"
            "\n      </a>\n    </li>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
