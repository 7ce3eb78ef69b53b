"""The chart page's panels: contributed by feature apps through one list in settings.

`settings.BONTA_CHART_PANELS` is a list of (template name, dotted path of a context function).
The function is called with the chart's template context and the patient, and returns the
panel's context (as an inclusion tag's function does; feature apps reuse theirs). The panel is
rendered like an inclusion tag: its template in a new context layer, the CSRF token kept. So
the shell never imports a feature app, and a clinic's deployment can drop or reorder panels.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.template import Context
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[[Context, Any], dict[str, Any]]


@cache
def chart_panels() -> tuple[tuple[str, PanelContext], ...]:
    """The configured panels, imported once per process."""
    entries = getattr(settings, "BONTA_CHART_PANELS", [])
    return tuple((template, import_string(path)) for template, path in entries)


def render_chart_panels(context: Context, patient: Any) -> SafeString:
    """Every configured panel for this patient, in order."""
    parts = []
    for template_name, panel_context in chart_panels():
        template = context.template.engine.get_template(template_name)
        layer = context.new(panel_context(context, patient))
        csrf_token = context.get("csrf_token")
        if csrf_token is not None:
            layer["csrf_token"] = csrf_token
        parts.append(template.render(layer))
    return mark_safe("".join(parts))  # noqa: S308 - each part is an autoescaped template
