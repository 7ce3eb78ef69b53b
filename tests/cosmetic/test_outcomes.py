"""The pure cosmetic calculations: FWS change, the ≥2-grade flag, the wear-off rule, windows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonta.cosmetic import outcomes

grades = st.integers(min_value=0, max_value=3)
areas = st.sampled_from(["glabellar_lines", "forehead_lines", "lateral_canthal_lines", "chin"])
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))


def test_the_scale_has_the_four_grades_of_the_reference():
    # clinical-reference §7: 0 none, 1 mild, 2 moderate, 3 severe
    assert outcomes.FWS_GRADES == {0: "none", 1: "mild", 2: "moderate", 3: "severe"}


@pytest.mark.parametrize("bad", [-1, 4, 1.0, "2", True, None])
def test_a_grade_outside_0_to_3_is_refused(bad):
    with pytest.raises(ValueError, match="whole grade from 0 to 3"):
        outcomes.check_grade(bad)


@given(grades, grades, areas)
def test_change_and_flags_follow_from_the_grades(baseline, now, area):
    change = outcomes.improvement(baseline, now)
    assert change == baseline - now
    assert -3 <= change <= 3
    assert outcomes.none_or_mild(now) == (now in (0, 1))
    flag = outcomes.two_grade_improvement(area, baseline, now)
    if area == "forehead_lines":
        assert flag == (change >= 2)
    else:
        assert flag is None  # no responder definition claimed outside forehead lines
    assert outcomes.has_returned(baseline, now) == (change <= 0)


def test_the_notes_name_their_source_or_say_there_is_none():
    assert "CT-NCT02261493" in outcomes.responder_note("forehead_lines")
    assert "UNVERIFIED" in outcomes.responder_note("glabellar_lines")
    assert "gives none" in outcomes.responder_note("platysma_bands")


@given(days, st.integers(min_value=0, max_value=200))
def test_at_most_one_check_in_is_due_and_it_is_the_current_window(session_on, offset):
    today = session_on + timedelta(days=offset)
    window = outcomes.due_window(session_on, today)
    weeks_since = offset // 7
    if weeks_since < 8:
        assert window is None
    else:
        expected = 8 if weeks_since < 12 else 12 if weeks_since < 16 else 16
        assert window is not None
        assert window.week == expected
        assert window.due_on == session_on + timedelta(weeks=expected)
        assert window.due_on <= today
        assert window.ends_on is None or today < window.ends_on


@given(days, st.integers(min_value=56, max_value=200), st.integers(min_value=0, max_value=200))
def test_a_report_inside_the_window_answers_it_and_nothing_else_does(session_on, offset, at):
    today = session_on + timedelta(days=offset)
    reported = session_on + timedelta(days=at)
    current = outcomes.due_window(session_on, today)
    assert current is not None
    answered = outcomes.due_window(session_on, today, reported_on=[reported])
    inside = current.due_on <= reported and (current.ends_on is None or reported < current.ends_on)
    assert (answered is None) == inside


@given(days, st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=200))
def test_nothing_is_due_after_return_or_renewal(session_on, offset, renewal):
    today = session_on + timedelta(days=offset)
    assert outcomes.due_window(session_on, today, returned=True) is None
    renewed = session_on + timedelta(days=renewal)
    if renewed <= today:
        assert outcomes.due_window(session_on, today, renewed_on=renewed) is None
