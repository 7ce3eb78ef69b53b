"""NICE TA260 at planning: the course's state (passed in `Snapshot.nice`) warns, at the edges.

Pure: the state is what `bonta.domain.headache.nice` decided from the diary; the engine only
says it on a chronic-migraine plan (clinical-reference §5).
"""

from __future__ import annotations

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import Verdict
from bonta.domain.pathways import Severity
from bonta.domain.plan import NiceState
from bonta.domain.safety import check
from bonta.domain.sources import cited_ids

from .builders import SESSION_DAY, codes, plan, preempt_plan, session

NICE = {"nice_stopping_rule_met", "nice_review_not_evaluable", "nice_initiation_not_met"}


def later(verdict: Verdict, reasons=("headache days fell by 12 %",), review=()) -> NiceState:
    return NiceState(
        SESSION_DAY, first_cycle=False, verdict=verdict, reasons=reasons, review=review
    )


def first(initiation: Judgement) -> NiceState:
    return NiceState(
        SESSION_DAY, first_cycle=True, initiation=initiation,
        reasons=("preventive medicines failed …: not recorded: not_evaluable",),
    )  # fmt: skip


def nice_findings(state: NiceState, plan_=None):
    return [f for f in check(session(plan_ or preempt_plan(), nice=state)) if f.code in NICE]


@pytest.mark.parametrize("verdict", [Verdict.STOP_INADEQUATE_RESPONSE, Verdict.STOP_EPISODIC])
def test_a_stop_warns_with_its_reasons_date_and_nice_source(verdict):
    (f,) = nice_findings(later(verdict))
    assert f.code == "nice_stopping_rule_met"
    assert f.severity is Severity.WARN
    assert f.kind is None  # a warning: nothing to override
    assert f.override is None
    assert "headache days fell by 12 %" in f.message
    assert SESSION_DAY.isoformat() in f.message
    assert "NICE-TA260-cur" in cited_ids(f.source)
    assert "§5" in f.source


def test_review_not_evaluable_warns_with_what_to_review():
    state = later(Verdict.REVIEW_NOT_EVALUABLE, review=("cycle 2: 9 diary days missing",))
    (f,) = nice_findings(state)
    assert f.code == "nice_review_not_evaluable"
    assert "cycle 2: 9 diary days missing" in f.message
    assert "NICE-TA260-cur" in cited_ids(f.source)


@pytest.mark.parametrize("verdict", [Verdict.CONTINUE, Verdict.NOT_YET_EVALUABLE])
def test_continue_and_not_yet_due_say_nothing(verdict):
    assert nice_findings(later(verdict)) == []


@pytest.mark.parametrize(
    ("initiation", "words"),
    [(Judgement.NOT_MET, "not met"), (Judgement.NOT_EVALUABLE, "not shown by the record")],
)
def test_a_first_cycle_without_met_criteria_warns(initiation, words):
    (f,) = nice_findings(first(initiation))
    assert f.code == "nice_initiation_not_met"
    assert words in f.message
    assert "not recorded" in f.message  # the criteria's own reasons
    assert "NICE-TA260-cur" in cited_ids(f.source)


def test_a_first_cycle_meeting_the_criteria_says_nothing():
    assert nice_findings(first(Judgement.MET)) == []


def test_no_nice_state_or_a_cosmetic_plan_says_nothing():
    assert not NICE & set(codes(session(preempt_plan())))
    cosmetic = plan("glabellar_lines", "botox_cosmetic")
    assert nice_findings(later(Verdict.STOP_EPISODIC), cosmetic) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_cycle": True},  # no initiation judgement
        {"first_cycle": True, "initiation": Judgement.MET, "verdict": Verdict.CONTINUE},
        {"first_cycle": False},  # no verdict
        {"first_cycle": False, "verdict": Verdict.CONTINUE, "initiation": Judgement.MET},
    ],
)
def test_a_nice_state_carries_the_judgement_its_cycle_needs(kwargs):
    with pytest.raises(InvalidInput) as refused:
        NiceState(SESSION_DAY, **kwargs)
    assert refused.value.field == "nice"
