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

from bonta.domain.anatomy import areas, muscles, points
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
def area_name(code: str) -> str:
    """An area's name (the code itself if unknown); the cosmetic panel loads it from here."""
    area = areas().get(code)
    return area.name if area else code


@register.filter
def muscle_names(codes: list[str] | None) -> str:
    return ", ".join(muscles()[c].name if c in muscles() else c for c in codes or ())


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


@register.simple_tag
def plan_rows(rows: Any, row_vials: Any) -> SafeString:
    """The workspace's planned-point rows ((`plan_form.Row`, volume) pairs, each with a choice
    of `row_vials`), written here rather than in a template loop: a PREEMPT plan has 31 and the
    live check redraws them on every change. The markup is the old loop's, character for
    character (tests/web/test_chart_formatting.py keeps that loop as the reference)."""
    vials = [(str(v.pk), escape(v.pk), escape(v.lot)) for v in row_vials]
    parts = []
    for n, (row, volume) in enumerate(rows):
        label = escape(row.label)
        options = "".join(
            f'<option value="{pk}"{" selected" if key == row.vial else ""}>lot {lot}</option>'
            for key, pk, lot in vials
        )
        if row.error:
            tr = '<tr class="has-error">'
            invalid = f' aria-invalid="true" aria-describedby="units-{n}-error"'
            message = f'<p class="error" id="units-{n}-error" role="alert">{escape(row.error)}</p>'
        else:
            tr, invalid, message = "<tr>", "", ""
        plan_vial = "" if row.vial else " selected"
        parts.append(
            f"\n      {tr}"
            f'\n        <td><input type="hidden" name="point" value="{escape(row.point)}">'
            f'<label for="units-{n}">{label}</label></td>'
            f'\n        <td><input id="units-{n}" name="units" value="{escape(row.units)}" '
            f'inputmode="decimal" size="5" class="units"{invalid}> U'
            f"\n          {message}</td>"
            f'\n        <td><select name="row_vial" class="row-vial" aria-label="Vial for {label}">'
            f'\n          <option value=""{plan_vial}>plan\'s vial</option>'
            f"\n          {options}"
            "\n        </select></td>"
            f'\n        <td class="num">{escape(volume) if volume else "—"}</td>'
            f'\n        <td><button type="submit" name="remove" value="{n}" class="link" '
            f'aria-label="Remove {label}">Remove</button></td>'
            "\n      </tr>\n      "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
