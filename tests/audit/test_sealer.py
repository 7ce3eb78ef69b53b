"""The sealer (bonta.audit.sealer): unsealed events are linked into the keyed chain in one
transaction per batch; the database lets an unsealed event change only by being sealed, once;
an unsealed event changed behind the triggers' back is found and never sealed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from audit.seal_race import expected_race, race
from audit.tamper import sql
from bonta.audit import sealer
from bonta.audit.chain import GENESIS, event_hash, head_mac, read_head, verify
from bonta.audit.log import record
from bonta.audit.models import AuditEvent
from bonta.audit.sealer import UnsealedEventTampered, seal_all, seal_batch, seal_quietly
from bonta.cli import main

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).with_name("seal_race.py")


def write(n: int, actor: object = None) -> list[AuditEvent]:
    with transaction.atomic():
        return [record("patient.read", actor=actor, object_type="patient") for _ in range(n)]


def test_sealing_links_events_in_id_order_and_moves_the_head(db):
    events = write(4)
    assert seal_batch().events == 4
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert [e.id for e in stored] == [e.id for e in events]
    prev = GENESIS
    for event in stored:
        assert (event.prev_hash, event.hash) == (prev, event_hash(prev, event))
        prev = event.hash
    assert read_head() == (4, prev, head_mac(4, prev))
    assert verify().ok
    assert seal_batch().events == 0  # nothing left: a no-op


def test_batches_continue_the_chain(db):
    write(7)
    assert seal_all(limit=3).events == 7  # batches of 3, 3 and 1
    write(2)
    assert seal_all(limit=3).events == 2
    result = verify()
    assert result.ok, result.line()
    assert (result.events, result.head_seq, result.unsealed) == (9, 9, 0)


def test_a_batch_that_fails_midway_seals_nothing(db, monkeypatch):
    write(2)
    seal_all()
    write(3)
    before = read_head()

    def fail(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the sealer died")  # after the events' UPDATEs, before the head's

    monkeypatch.setattr(sealer, "head_mac", fail)
    with pytest.raises(RuntimeError, match="died"):
        seal_batch()
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 3
    assert read_head() == before
    monkeypatch.undo()
    assert seal_batch().events == 3
    assert verify().ok


def test_verify_reports_the_unsealed_window(db):
    write(2)
    seal_all()
    write(3)
    result = verify()
    assert result.ok
    assert (result.events, result.unsealed) == (2, 3)
    oldest = AuditEvent.objects.filter(seq__isnull=True).earliest("id")
    assert result.oldest_unsealed_at == oldest.at
    assert result.unsealed_age is not None
    assert "; unsealed: 3 events, oldest " in result.line()


# ---- the database allows one change to an unsealed event: being sealed ---------------------


def refused(statement: str, params: list[object]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement, params)


def test_the_database_refuses_to_edit_or_delete_an_unsealed_event(db):
    (event,) = write(1)
    refused("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.id])
    refused("DELETE FROM audit_auditevent WHERE id = %s", [event.id])
    # sealed with an edit, or only half sealed, or sealed into the past: all refused
    seal = "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s"
    refused(seal + ", action = 'x' WHERE id = %s", [1, GENESIS, "a" * 64, event.id])
    refused("UPDATE audit_auditevent SET seq = 1 WHERE id = %s", [event.id])
    write(1)
    seal_batch(limit=1)  # the head is now #1
    refused(seal + " WHERE id = %s", [1, GENESIS, "b" * 64, event.id + 1])
    assert AuditEvent.objects.get(id=event.id).action == "patient.read"


def test_the_sealing_update_is_allowed_once(db):
    (event,) = write(1)
    seal_all()
    stored = AuditEvent.objects.get(id=event.id)
    refused(
        "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
        [5, stored.hash, "c" * 64, event.id],
    )
    refused("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.id])
    assert AuditEvent.objects.get(id=event.id).seq == 1


# ---- changed behind the triggers' back: found, and never sealed ------------------------------


def test_an_unsealed_event_edited_behind_the_triggers_is_found_and_not_sealed(db, capsys):
    write(2)
    seal_all()
    edited, _later = write(2)
    sql("UPDATE audit_auditevent SET actor_role = %s WHERE id = %s", ["manager", edited.id])

    result = verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert f"unsealed event id {edited.id} was changed after it was written" in result.reason

    with pytest.raises(UnsealedEventTampered, match=f"id {edited.id}"):
        seal_batch()
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 2  # nothing laundered
    assert seal_quietly() == 0  # the loops log it and carry on

    assert main(["audit", "seal"]) == 1
    assert f"unsealed audit event id {edited.id} was changed" in capsys.readouterr().err
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().err.startswith("bonta: audit chain broken at event #3: unsealed")


def test_an_unsealed_event_forged_without_the_key_is_found(db):
    (event,) = write(1)
    sql("UPDATE audit_auditevent SET mark = %s WHERE id = %s", ["0" * 64, event.id])
    assert "unsealed event id" in verify().reason


# ---- concurrency and crashes -------------------------------------------------------------------


def _script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'seal.sqlite3'}",
        "BONTA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "bonta.settings",
    }
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_writers_and_three_sealers_at_once_on_a_sqlite_file_database(tmp_path):
    run = _script(tmp_path, "race")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected_race()


def test_a_sealer_killed_mid_batch_leaves_its_batch_unsealed(tmp_path):
    killed = _script(tmp_path, "kill")
    assert killed.returncode == 9, killed.stderr
    after = _script(tmp_path, "after")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == {
        "sealed": 2,
        "unsealed": 3,
        "intact": True,
        "after_sealing_again": "audit chain intact: 5 events, head #5",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_and_three_sealers_at_once_on_postgresql():
    assert race() == expected_race()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lower_id_that_commits_later_is_sealed_later_not_skipped():
    """PostgreSQL hands out ids at INSERT, not at commit: the sealer must neither wait for an
    open transaction nor lose its event."""
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    slow_id: list[int] = []

    def slow() -> None:
        try:
            with transaction.atomic():
                slow_id.append(record("patient.read", actor=None, object_type="slow").id)
                inserted.set()
                release.wait(timeout=60)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    assert inserted.wait(timeout=60)
    (fast,) = write(1)
    assert fast.id > slow_id[0]
    assert seal_all().events == 1  # only the committed one; nothing waits for the open one
    release.set()
    assert done.wait(timeout=60)
    thread.join()
    assert seal_all().events == 1
    order = list(AuditEvent.objects.order_by("seq").values_list("object_type", flat=True))
    assert order == ["patient", "slow"]
    assert verify().ok
