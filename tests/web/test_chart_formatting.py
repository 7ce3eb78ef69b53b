"""The chart's timeline is written by a tag, not a template loop, and its units by `units_text`,
not `floatformat`: both give exactly what the template gave."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.template import Context, Template
from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from bonta.web.queries import TimelineEntry, units_text
from bonta.web.templatetags.bonta import timeline

# The loop the chart template had before the tag (kept here as the reference).
OLD_LOOP = Template(
    """{% for e in entries %}
    <li class="tl tl-{{ e.pathway }}">
      <a href="/encounters/{{ e.pk }}/">
        <span class="tl-date">{{ e.date }}</span>
        {% if e.pathway == "cosmetic" %}<span class="pathway pathway-cosmetic"><span class="pathway-mark" aria-hidden="true">◆</span> Cosmetic</span>{% else %}<span class="pathway pathway-chronic_migraine"><span class="pathway-mark" aria-hidden="true">●</span> Chronic migraine</span>{% endif %}
        <span class="tl-what">{{ e.what }}</span>
        <span class="status status-{{ e.status }}">{{ e.status_label }}</span>
      </a>
    </li>
  {% endfor %}"""  # noqa: E501
)


def entry(pathway: str, status: str, what: str) -> TimelineEntry:
    label = {"signed": "Signed", "draft": "Draft"}[status]
    return TimelineEntry(uuid.uuid4(), pathway, status, label, "2025-03-03", what)


def test_the_timeline_tag_writes_what_the_template_loop_wrote() -> None:
    entries = [
        entry("cosmetic", "signed", "BOTOX Cosmetic · 20 U"),
        entry("chronic_migraine", "draft", "BOTOX · planned 155 U"),
        entry("cosmetic", "signed", "<b>&\"odd' brand</b> · 2.50 U"),  # escaped as before
    ]
    assert str(timeline(entries)) == OLD_LOOP.render(Context({"entries": entries}))
    assert timeline([]) == ""


@given(st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False))
def test_units_text_is_floatformat_minus_two(amount: Decimal) -> None:
    assert units_text(amount) == floatformat(amount, "-2")


def test_units_text_examples() -> None:
    assert [units_text(Decimal(v)) for v in ("155", "155.00", "2.5", "0.125", "1E+2")] == [
        "155", "155", "2.50", "0.13", "100",
    ]  # fmt: skip
