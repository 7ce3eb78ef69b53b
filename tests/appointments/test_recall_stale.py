"""Sign-off only marks the patient stale; the due dates are recomputed after commit, once per
transaction, and the sweep (worker, server thread, CLI) repairs what a dead process left."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from bonta.appointments.models import RecallDue, RecallStale
from bonta.appointments.services import recall, stale
from bonta.records import services
from bonta.records.services.encounters import history_changed
from bonta.reminders.queries import background_status
from bonta.reminders.worker import OTHER_JOBS
from records.clinic import SESSION_AT, glabellar_session, make_patient, make_vial

from .stale_race import expected, simultaneous, slow_refresh

pytestmark = pytest.mark.django_db

RACE = Path(__file__).with_name("stale_race.py")
# The window of the recall list in which Alice's touch-up (and review) after SESSION_AT fall.
WINDOW_FROM, WINDOW_DAYS = date(2025, 3, 3), 366


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


def draft_for(patient, by, lot="G1"):
    vial = make_vial(by, lot=lot, reconstituted_at=SESSION_AT - timedelta(hours=1))
    return glabellar_session(patient, by, vial)


def listed(by):
    return [
        (e.patient_id, e.due_on, e.kind, e.areas)
        for e in recall.recall_list(WINDOW_FROM, WINDOW_DAYS, by=by)
    ]


def age_marks(seconds=60):
    RecallStale.objects.update(marked_at=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def crashing_refresh(monkeypatch):
    """The after-commit refresh dies (as if the process were killed between commit and it)."""

    def crash(ids):
        raise RuntimeError("process killed")

    monkeypatch.setattr(recall, "refresh_patients", crash)
    return monkeypatch


def test_a_crash_after_commit_leaves_a_mark_the_list_reads_through_and_the_worker_sweeps(
    alice, dr_grey, crashing_refresh, caplog
):
    with caplog.at_level(logging.ERROR, "bonta.appointments.recall"), committed():
        signed = services.sign_encounter(draft_for(alice, dr_grey), dr_grey)  # no exception
    assert "recall refresh of 1 patient(s) failed" in caplog.text
    assert signed.is_signed
    assert not RecallDue.objects.exists()
    assert RecallStale.objects.filter(patient=alice).exists()
    before_sweep = listed(dr_grey)
    # The list recomputes the marked patient: the first session's review comes first.
    assert [(p, kind) for p, _, kind, _ in before_sweep] == [(alice.pk, "review")]
    crashing_refresh.undo()  # the next process works
    assert stale.sweep_quietly() == 0  # a fresh mark is left to its own hook
    age_marks()
    assert stale.sweep_quietly in OTHER_JOBS  # each `bonta worker` pass runs it
    for job in OTHER_JOBS:
        job()
    assert not RecallStale.objects.exists()
    assert recall.stored_rows() == recall.computed_rows([alice.pk])
    assert listed(dr_grey) == before_sweep


def test_the_list_reads_a_marked_patients_stored_rows_never(alice, dr_grey):
    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    right = listed(dr_grey)
    RecallDue.objects.filter(patient=alice).update(due_on=date(2025, 4, 1))  # wrong rows
    assert listed(dr_grey) != right
    stale.mark_stale(alice.pk)  # its hook waits for a commit the test never makes;
    # meanwhile the list recomputes the marked patient instead of reading the wrong rows
    assert listed(dr_grey) == right


def test_one_hook_per_transaction_refreshes_every_marked_patient_in_one_call(
    alice, dr_grey, monkeypatch
):
    bob = make_patient(dr_grey, "B-002", given_name="Bob")
    cleo = make_patient(dr_grey, "C-003", given_name="Cleo")
    calls = []
    real = recall.refresh_patients
    monkeypatch.setattr(recall, "refresh_patients", lambda ids: calls.append(ids) or real(ids))
    with committed() as hooks, transaction.atomic():
        for patient in (alice, bob, cleo, alice):
            history_changed(patient.pk)
        with transaction.atomic():  # a nested block joins the outermost transaction's hook
            history_changed(bob.pk)
        assert RecallStale.objects.count() == 3
    assert len(hooks) == 1
    assert calls == [sorted([alice.pk, bob.pk, cleo.pk])]
    assert not RecallStale.objects.exists()


def test_a_mark_in_a_rolled_back_savepoint_drops_its_hook_and_the_next_mark_adds_one(
    alice, dr_grey, monkeypatch
):
    bob = make_patient(dr_grey, "B-002", given_name="Bob")
    calls = []
    real = recall.refresh_patients
    monkeypatch.setattr(recall, "refresh_patients", lambda ids: calls.append(ids) or real(ids))
    with committed() as hooks, transaction.atomic():
        try:
            with transaction.atomic():
                history_changed(alice.pk)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        assert not RecallStale.objects.exists()  # the mark rolled back with the change
        history_changed(bob.pk)
    assert len(hooks) == 1
    assert calls
    assert bob.pk in calls[0]
    assert not RecallStale.objects.exists()


def test_a_refresh_keeps_a_mark_made_after_it_read_the_history(alice, dr_grey, monkeypatch):
    """Order: token, then history, then clear-if-unchanged. A change committed after the read
    re-marked the patient with a new token: the mark stays for its own refresh (or the sweep)."""
    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    stale.mark_stale(alice.pk)  # (in the test transaction: its hook waits)
    real = recall.due_rows

    def then_a_change_commits(ids):
        rows = real(ids)
        stale.mark_stale(alice.pk)  # as a concurrent change's transaction would
        return rows

    monkeypatch.setattr(recall, "due_rows", then_a_change_commits)
    recall.refresh_patients([alice.pk])
    assert RecallStale.objects.filter(patient=alice).exists()
    monkeypatch.setattr(recall, "due_rows", real)
    recall.refresh_patients([alice.pk])  # recomputing again: same rows, mark cleared
    assert not RecallStale.objects.exists()
    assert recall.stored_rows() == recall.computed_rows([alice.pk])


def test_a_rebuild_clears_the_marks_it_read(alice, dr_grey, crashing_refresh):
    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    crashing_refresh.undo()
    assert RecallStale.objects.exists()
    recall.rebuild()
    assert not RecallStale.objects.exists()
    assert recall.stored_rows() == recall.computed_rows([alice.pk])


def test_refresh_stale_by_hand_and_the_status(alice, dr_grey, crashing_refresh, capsys):
    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    crashing_refresh.undo()
    status = background_status()
    assert status["recall"]["stale_patients"] == 1
    assert status["recall"]["oldest_stale_age_seconds"] >= 0
    assert status["audit"]["unsealed_events"] >= 1  # nothing sealed yet in this test
    call_command("bonta_recall_refresh_stale")
    assert "refreshed for 1 patient(s); 0 still marked" in capsys.readouterr().out
    assert background_status()["recall"] == {"stale_patients": 0, "oldest_stale_age_seconds": None}
    call_command("bonta_worker", "--status")
    shown = json.loads(capsys.readouterr().out)
    assert shown["recall"] == {"stale_patients": 0, "oldest_stale_age_seconds": None}
    assert set(shown["audit"]) == {"unsealed_events", "oldest_unsealed_age_seconds"}
    assert "counts" in shown  # the outbox's status is still there


def test_healthz_reports_the_backlogs_without_patient_data(client, alice, dr_grey):
    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    stale.mark_stale(alice.pk)
    body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["recall"]["stale_patients"] == 1
    assert body["audit"]["unsealed_events"] >= 1
    assert str(alice.pk) not in json.dumps(body)


def test_the_server_thread_seals_and_sweeps(alice, dr_grey, crashing_refresh):
    from bonta.audit.models import AuditEvent
    from bonta.cli.gunicorn_app import background_loop

    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    crashing_refresh.undo()
    age_marks()
    background_loop(interval=0, passes=1)
    assert not RecallStale.objects.exists()
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


def test_in_a_server_worker_the_refresh_is_left_to_the_background_thread(alice, dr_grey):
    """`bonta serve` workers defer: a sign-off commits its mark and refreshes nothing, not even
    after the response; the list is right meanwhile; the background pass refreshes it, whatever
    the mark's age (the workers run no hook that could still be working on it)."""
    from bonta.cli.gunicorn_app import background_loop

    refreshed = []
    real = recall.refresh_patients
    stale.defer_to_background()
    try:
        recall.refresh_patients = lambda ids: refreshed.append(list(ids)) or real(ids)  # type: ignore[assignment]
        with committed():
            services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
        stale.mark_stale(alice.pk)  # outside a transaction too: marked, not refreshed
        assert refreshed == []
        assert RecallStale.objects.filter(patient=alice).exists()
        assert not RecallDue.objects.exists()
        assert [(p, kind) for p, _, kind, _ in listed(dr_grey)] == [(alice.pk, "review")]
        background_loop(interval=0, passes=1)  # the mark is seconds old, not 5 s
    finally:
        recall.refresh_patients = real  # type: ignore[assignment]
        stale.defer_to_background(False)
    assert refreshed == [[alice.pk]]
    assert not RecallStale.objects.exists()
    assert recall.stored_rows() == recall.computed_rows([alice.pk])


def test_a_served_worker_defers_its_refreshes(monkeypatch):
    from bonta.cli import gunicorn_app

    monkeypatch.setattr(
        gunicorn_app.threading, "Thread", lambda **kw: type("T", (), {"start": lambda self: None})()
    )
    gunicorn_app.start_sealer()
    try:
        assert stale._deferred is True
    finally:
        stale.defer_to_background(False)


# ---- races, on both engines ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_refresh_and_a_sign_off_end_on_the_committed_history_on_postgresql():
    assert slow_refresh() == expected(2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_offs_end_on_the_committed_history_on_postgresql():
    assert simultaneous() == expected(5)


@pytest.mark.parametrize(("which", "signed"), [("slow", 2), ("simultaneous", 5)])
def test_the_races_end_on_the_committed_history_on_a_sqlite_file(tmp_path, which, signed):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "BONTA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "bonta.settings",
    }
    run = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(RACE), which], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected(signed)


def test_bonta_recall_refresh_stale(alice, dr_grey, crashing_refresh, capsys):
    from bonta.cli.main import main

    with committed():
        services.sign_encounter(draft_for(alice, dr_grey), dr_grey)
    crashing_refresh.undo()
    assert main(["recall", "refresh-stale", "--older-than", "3600"]) == 0  # the mark is younger
    assert "refreshed for 0 patient(s); 1 still marked" in capsys.readouterr().out
    assert main(["recall", "refresh-stale"]) == 0
    assert "refreshed for 1 patient(s); 0 still marked" in capsys.readouterr().out
    assert main(["recall", "refresh-stale", "--older-than", "-1"]) == 1
    assert "--older-than must be" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_in_a_server_process_the_refresh_runs_after_the_response_in_its_own_thread(
    alice, dr_grey, monkeypatch
):
    import threading

    threads = []
    real = recall.refresh_patients

    def spy(ids):
        threads.append(threading.current_thread().name)
        return real(ids)

    monkeypatch.setattr(recall, "refresh_patients", spy)
    draft = draft_for(alice, dr_grey)
    stale.start_refresher()
    try:
        services.sign_encounter(draft, dr_grey)  # commits; the hook hands the id over
        assert stale.wait_for_refresher()
    finally:
        stale.stop_refresher()
    assert threads == ["bonta-recall-refresher"]
    assert not RecallStale.objects.exists()
    assert recall.stored_rows() == recall.computed_rows([alice.pk])
    bob = make_patient(dr_grey, "B-002", given_name="Bob")
    services.sign_encounter(draft_for(bob, dr_grey, lot="G2"), dr_grey)  # stopped: inline
    assert threads[-1] == threading.current_thread().name
