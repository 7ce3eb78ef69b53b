"""HIT-6 and MIDAS over time: bands from the reference, injections marked, a value per cycle.

Bands (clinical-reference §6.1, §6.2): HIT-6 ≤49 little or no impact, 50–55 some, 56–59
substantial, 60–78 severe; MIDAS grade I 0–5, II 6–10, III 11–20, IV ≥21. A response completed
on an injection date counts for the time before it (our reading; the reference is silent).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from bonta.accounts.models import User
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.questionnaires import (
    Instrument,
    ScoreEntry,
    band_of,
    cycle_of,
    latest_by_instrument,
    scores_by_cycle,
)
from bonta.migraine.questionnaire_plot import questionnaire_plot
from bonta.migraine.services import local_today
from bonta.records.models import Patient
from migraine.conftest import signed_migraine_sessions

SVG = "{http://www.w3.org/2000/svg}"
FIRST = date(2025, 1, 6)
SECOND = FIRST + timedelta(weeks=12)  # 2025-03-31
AS_OF = date(2025, 6, 30)
HIT6, MIDAS = Instrument.HIT6, Instrument.MIDAS


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def classed(root: ElementTree.Element, cls: str) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


# ---- bands and cycles (domain) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "score", "code"),
    [
        (HIT6, 36, "little_or_no_impact"),
        (HIT6, 49, "little_or_no_impact"),
        (HIT6, 50, "some_impact"),
        (HIT6, 55, "some_impact"),
        (HIT6, 56, "substantial_impact"),
        (HIT6, 59, "substantial_impact"),
        (HIT6, 60, "severe_impact"),
        (HIT6, 78, "severe_impact"),
        (MIDAS, 0, "I"),
        (MIDAS, 5, "I"),
        (MIDAS, 6, "II"),
        (MIDAS, 10, "II"),
        (MIDAS, 11, "III"),
        (MIDAS, 20, "III"),
        (MIDAS, 21, "IV"),
        (MIDAS, 270, "IV"),
    ],
)
def test_bands_are_the_references(instrument: Instrument, score: int, code: str) -> None:
    assert band_of(instrument, score).code == code


def test_a_score_outside_the_instrument_is_refused() -> None:
    with pytest.raises(InvalidInput):
        band_of(HIT6, 35)


@pytest.mark.parametrize(
    ("completed", "cycle"),
    [
        (FIRST - timedelta(days=30), 0),
        (FIRST, 0),  # on the injection day: the time before it
        (FIRST + timedelta(days=1), 1),
        (SECOND, 1),  # the review before injection 2 speaks for cycle 1
        (SECOND + timedelta(days=1), 2),
        (SECOND + timedelta(days=84), 2),  # week 12 of cycle 2 plus one day
        (SECOND + timedelta(days=85), None),  # after week 12, before any next injection
    ],
)
def test_each_response_speaks_for_one_cycle(completed: date, cycle: int | None) -> None:
    assert cycle_of(completed, [FIRST, SECOND]) == cycle


def test_per_cycle_values_are_the_latest_of_each_instrument() -> None:
    entries = [
        ScoreEntry(HIT6, FIRST - timedelta(days=40), 66),
        ScoreEntry(HIT6, FIRST, 64),
        ScoreEntry(MIDAS, FIRST, 30),
        ScoreEntry(HIT6, FIRST + timedelta(days=40), 58),
        ScoreEntry(HIT6, SECOND, 55),
        ScoreEntry(MIDAS, SECOND, 12),
        ScoreEntry(HIT6, AS_OF + timedelta(days=1), 40),  # not yet completed as of AS_OF
    ]
    windows = scores_by_cycle(entries, [FIRST, SECOND], AS_OF)
    assert [w.label for w in windows] == ["baseline", "cycle 1", "cycle 2"]
    assert [(w.latest(HIT6), w.latest(MIDAS)) for w in windows] == [
        (entries[1], entries[2]),
        (entries[4], entries[5]),
        (None, None),
    ]
    assert (windows[1].first, windows[1].last) == (FIRST + timedelta(days=1), SECOND)
    assert latest_by_instrument(entries, AS_OF) == {HIT6: entries[4], MIDAS: entries[5]}


@given(
    st.lists(st.dates(date(2024, 6, 1), date(2025, 12, 31)), unique=True, max_size=6),
    st.lists(st.dates(date(2024, 1, 1), date(2025, 12, 31)), max_size=20),
)
def test_every_response_is_in_exactly_the_window_cycle_of_names(injections, completed):
    as_of = date(2025, 12, 31)
    given_ = sorted(injections)
    entries = [ScoreEntry(HIT6, on, 60) for on in completed]
    windows = scores_by_cycle(entries, given_, as_of)
    for entry in entries:
        holding = [w.number for w in windows if entry in w.entries]
        number = cycle_of(entry.completed_on, given_)
        assert holding == ([] if number is None else [number])
        if number is not None:
            w = windows[number]
            assert w.first is None or w.first <= entry.completed_on
            assert entry.completed_on <= w.last


# ---- the plot ----------------------------------------------------------------------------------


def test_the_hit6_plot_draws_the_four_bands_a_point_per_response_and_the_injections() -> None:
    entries = [
        ScoreEntry(HIT6, FIRST - timedelta(days=10), 66),
        ScoreEntry(HIT6, SECOND, 58),
        ScoreEntry(HIT6, AS_OF - timedelta(days=5), 48),
        ScoreEntry(MIDAS, SECOND, 12),  # another instrument: not on this plot
    ]
    root = parse(questionnaire_plot(HIT6, entries, [FIRST, SECOND], AS_OF))
    bands = classed(root, "band")
    assert [b.get("data-band") for b in bands] == [
        "little_or_no_impact",
        "some_impact",
        "substantial_impact",
        "severe_impact",
    ]
    titles = [b.find(f"{SVG}title").text for b in bands]  # type: ignore[union-attr]
    assert [t.split(" (")[0] for t in titles] == [
        "Little or no impact: 36–49",
        "Some impact: 50–55",
        "Substantial impact: 56–59",
        "Severe impact: 60–78",
    ]
    points = classed(root, "score-point")
    assert [(p.get("data-date"), p.get("data-score")) for p in points] == [
        (str(FIRST - timedelta(days=10)), "66"),
        (str(SECOND), "58"),
        (str(AS_OF - timedelta(days=5)), "48"),
    ]
    assert [p.get("class") for p in points] == [
        "score-point band-3",
        "score-point band-2",
        "score-point band-0",
    ]
    markers = classed(root, "injection-marker")
    assert [m.get("data-date") for m in markers] == [str(FIRST), str(SECOND)]
    # Higher scores sit higher; the severe band is at the top.
    ys = [float(p.find(f"{SVG}circle").get("cy")) for p in points]  # type: ignore[union-attr]
    assert ys[0] < ys[1] < ys[2]


def test_the_midas_plot_draws_grades_with_grade_iv_open_above_21() -> None:
    entries = [ScoreEntry(MIDAS, FIRST, 45), ScoreEntry(MIDAS, SECOND, 8)]
    svg = questionnaire_plot(MIDAS, entries, [FIRST, SECOND], AS_OF)
    root = parse(svg)
    assert [b.get("data-band") for b in classed(root, "band")] == ["I", "II", "III", "IV"]
    assert "IV Severe disability: ≥21" in svg
    assert ">50</text>" in svg  # the axis reaches a round number above the highest score


def test_no_response_no_plot_and_text_is_escaped() -> None:
    assert questionnaire_plot(HIT6, [], [FIRST], AS_OF) == ""
    svg = questionnaire_plot(HIT6, [ScoreEntry(HIT6, FIRST, 60)], [], AS_OF)
    parse(svg)
    assert "style=" not in svg
    assert "<script" not in svg


# ---- the page ----------------------------------------------------------------------------------


@pytest.fixture
def scored(alice: Patient, dr_grey: User, as_grey: Client) -> Patient:
    today = local_today()
    first = today - timedelta(days=120)
    signed_migraine_sessions(alice, dr_grey, first, first + timedelta(weeks=12))
    url = f"/patients/{alice.pk}/diary/"
    posts = [
        (first, "always"),  # 78, baseline
        (first + timedelta(weeks=12), "sometimes"),  # 60, cycle 1
        (today, "rarely"),  # 48, cycle 2
    ]
    for on, answer in posts:
        answers = {f"item_{n}": answer for n in range(1, 7)}
        assert as_grey.post(url + "hit6/", {"completed_on": on, **answers}).status_code == 302
    midas = {"q1": 10, "q2": 5, "q3": 5, "q4": 5, "q5": 5}
    assert as_grey.post(url + "midas/", {"completed_on": first, **midas}).status_code == 302
    return alice


def test_the_page_plots_each_instrument_beside_its_tables(as_grey: Client, scored: Patient) -> None:
    html = as_grey.get(f"/patients/{scored.pk}/diary/").content.decode()
    assert 'class="score-plot score-plot-hit6"' in html
    assert 'class="score-plot score-plot-midas"' in html
    cycles = re.search(r'<table class="list compact score-cycles">(.*?)</table>', html, re.S)
    assert cycles is not None
    rows = re.findall(r'<th scope="row">([^<]+)</th>', cycles.group(1))
    assert rows == ["baseline", "cycle 1", "cycle 2"]
    assert "78 <small>Severe impact" in cycles.group(1)
    assert "30 <small>Severe disability" in cycles.group(1)
    responses = re.search(r'<table class="list compact score-responses">(.*?)</table>', html, re.S)
    assert responses is not None
    assert re.findall(r"<td>(baseline|cycle \d)</td>", responses.group(1)) == [
        "cycle 2",
        "cycle 1",
        "baseline",
        "baseline",
    ]
    assert " style=" not in html
