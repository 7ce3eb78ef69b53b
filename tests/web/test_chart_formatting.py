"""The chart's timeline is written by a tag, not a template loop, and its units by `units_text`,
not `floatformat`: both give exactly what the template gave."""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import SimpleNamespace

from django.template import Context, Template
from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from bonta.web.plan_form import Row
from bonta.web.queries import TimelineEntry, units_text
from bonta.web.templatetags.bonta import plan_rows, timeline

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


# The workspace's plan rows loop before the `plan_rows` tag (the reference).
OLD_ROWS = Template(
    """{% for row, volume in rows %}
      <tr{% if row.error %} class="has-error"{% endif %}>
        <td><input type="hidden" name="point" value="{{ row.point }}"><label for="units-{{ forloop.counter0 }}">{{ row.label }}</label></td>
        <td><input id="units-{{ forloop.counter0 }}" name="units" value="{{ row.units }}" inputmode="decimal" size="5" class="units"{% if row.error %} aria-invalid="true" aria-describedby="units-{{ forloop.counter0 }}-error"{% endif %}> U
          {% if row.error %}<p class="error" id="units-{{ forloop.counter0 }}-error" role="alert">{{ row.error }}</p>{% endif %}</td>
        <td><select name="row_vial" class="row-vial" aria-label="Vial for {{ row.label }}">
          <option value=""{% if not row.vial %} selected{% endif %}>plan's vial</option>
          {% for v in row_vials %}<option value="{{ v.pk }}"{% if v.pk|stringformat:"s" == row.vial %} selected{% endif %}>lot {{ v.lot }}</option>{% endfor %}
        </select></td>
        <td class="num">{{ volume|default:"—" }}</td>
        <td><button type="submit" name="remove" value="{{ forloop.counter0 }}" class="link" aria-label="Remove {{ row.label }}">Remove</button></td>
      </tr>
      {% endfor %}"""  # noqa: E501
)


def test_the_plan_rows_tag_writes_what_the_template_loop_wrote() -> None:
    own = SimpleNamespace(pk=uuid.uuid4(), lot="B<2>")
    other = SimpleNamespace(pk=uuid.uuid4(), lot="C1")
    rows = [
        (Row("procerus_mid", "4"), "0.10 mL"),
        (Row("corrugator_medial_r", "4", vial=str(own.pk)), ""),  # its own vial, no volume
        (Row("frontalis_mid", "x<y", error="must be a number & positive"), ""),
        (Row("not_a_point", "2.5", error='vial: "expired"', vial=str(other.pk)), "0.06 mL"),
    ]
    vials = [own, other]
    assert str(plan_rows(rows, vials)) == OLD_ROWS.render(
        Context({"rows": rows, "row_vials": vials})
    )
    assert str(plan_rows(rows, [])) == OLD_ROWS.render(Context({"rows": rows, "row_vials": []}))
    assert plan_rows([], vials) == ""


def test_the_map_labels_are_what_the_template_loop_wrote() -> None:
    from bonta.domain.pathways import Pathway
    from bonta.web.injection_map import panels

    old = Template(
        '{% for l in panel.labels %}<text x="{{ l.x }}" y="{{ l.y }}" '
        'text-anchor="{{ l.anchor }}">{{ l.text }}</text>{% endfor %}'
    )
    for panel in panels({}, Pathway.CHRONIC_MIGRAINE):
        assert panel.labels_svg == old.render(Context({"panel": panel})), panel.key
        assert "&#x27;" in panel.labels_svg or panel.key.startswith("side")  # "Patient's right"
