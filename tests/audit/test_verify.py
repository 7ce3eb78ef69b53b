"""`bonta.audit.chain.verify`: an edited, inserted or deleted event anywhere — the last one
included — is found, with the first bad sequence number; checkpoints prove the past."""

from __future__ import annotations

import importlib
import stat
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction

from audit.tamper import WRONG_KEY, rewrite_from, sql
from bonta.audit import keys
from bonta.audit.chain import (
    GENESIS,
    LEGACY,
    Checkpoint,
    CheckpointInvalid,
    event_hash,
    head_mac,
    make_checkpoint,
    verify,
)
from bonta.audit.log import record, verify_chain
from bonta.audit.models import AuditEvent, ChainHead
from bonta.audit.sealer import seal_all
from bonta.records import services
from records.clinic import glabellar_session, make_vial

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(alice, dr_grey, nurse_noor) -> int:
    """Eleven events: registration, consents, flags, a vial, a signed encounter, an addendum,
    a chart read, sealed into the chain. Returns the head's sequence number."""
    services.amend_patient_flags(alice, by=nurse_noor, changes={"conditions": ["als"]})
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.check_plan(encounter, by=dr_grey)
    services.sign_encounter(encounter, dr_grey)
    services.amend_encounter(encounter, by=dr_grey, reason="Typo", text="Alice felt faint.")
    services.get_encounter(encounter.pk, by=dr_grey)
    seal_all()
    return AuditEvent.objects.count()


def test_a_whole_chain_verifies(history):
    result = verify()
    assert result.ok, result.line()
    assert (result.events, result.head_seq) == (history, history)
    assert result.line() == (
        f"audit chain intact: {history} events, head #{history}; unsealed: none"
    )
    assert verify_chain() is None


def test_an_empty_chain_verifies(db):
    assert verify().ok
    assert verify().events == 0


def test_events_are_keyed_not_plain_sha256(history):
    event = AuditEvent.objects.get(seq=3)
    assert event.chain == 2
    assert event.hash == event_hash(event.prev_hash, event)
    assert event.hash != event_hash(event.prev_hash, event, WRONG_KEY)


def test_an_edited_event_is_found(history):
    sql("UPDATE audit_auditevent SET actor_role = %s WHERE seq = %s", ["manager", 4])
    result = verify()
    assert not result.ok
    assert result.first_bad_seq == 4
    assert result.line().startswith("audit chain broken at event #4: ")


def test_an_edited_event_with_every_later_hash_and_the_head_recomputed_is_found(history):
    rewrite_from(5, actor_role="manager")  # without the key: a guessed one
    assert verify().first_bad_seq == 5


def test_the_whole_chain_rewritten_as_unkeyed_events_is_found(history):
    rewrite_from(1, chain=LEGACY, actor_role="manager")  # sha256 needs no key
    result = verify()
    assert result.first_bad_seq == 1
    assert "unkeyed" in result.reason


def test_a_deleted_event_in_the_middle_is_found(history):
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [6])
    assert verify().first_bad_seq == 6
    assert "missing" in verify().reason


def test_the_last_event_deleted_is_found(history):
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [history])
    result = verify()
    assert result.first_bad_seq == history
    assert "missing" in result.reason


def test_the_last_event_deleted_and_the_head_moved_back_is_found(history):
    before = AuditEvent.objects.get(seq=history - 1)
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [history])
    sql(
        "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1",
        [before.seq, before.hash],
    )
    result = verify()
    assert result.first_bad_seq == history - 1
    assert "key mark" in result.reason


def test_the_chain_head_removed_is_found(history):
    sql("DELETE FROM audit_chainhead")
    assert verify().first_bad_seq == history
    assert "head is missing" in verify().reason


def test_an_event_inserted_in_the_middle_is_found(history):
    """Shift #7… up by one and put a forged event at #7 (the attacker has no key)."""
    later = list(AuditEvent.objects.filter(seq__gte=7).order_by("-seq"))
    for event in later:
        sql("UPDATE audit_auditevent SET seq = seq + 1 WHERE seq = %s", [event.seq])
    fake = AuditEvent.objects.get(seq=8)
    fake.seq, fake.action = 7, "patient.read"
    fake.hash = event_hash(fake.prev_hash, fake, WRONG_KEY)
    sql(
        "INSERT INTO audit_auditevent (seq, at, actor_id, actor_role, action, object_type, "
        "object_id, patient_id, detail, prev_hash, hash, chain) "
        "SELECT %s, at, actor_id, actor_role, %s, object_type, object_id, patient_id, detail, "
        "prev_hash, %s, chain FROM audit_auditevent WHERE seq = 8",
        [7, "patient.read", fake.hash],
    )
    assert verify().first_bad_seq == 7


def test_an_event_appended_without_the_key_is_found(history, dr_grey):
    last = AuditEvent.objects.get(seq=history)
    sql(
        "INSERT INTO audit_auditevent (seq, at, actor_id, actor_role, action, object_type, "
        "object_id, patient_id, detail, prev_hash, hash, chain) "
        "SELECT seq + 1, at, actor_id, actor_role, action, object_type, object_id, patient_id, "
        "detail, hash, %s, chain FROM audit_auditevent WHERE seq = %s",
        ["f" * 64, last.seq],
    )
    result = verify()
    assert result.first_bad_seq == history + 1
    assert "beyond the chain head" in result.reason


def test_a_different_key_fails_at_the_first_keyed_event(history):
    assert verify(key=WRONG_KEY).first_bad_seq == 1


# ---- checkpoints -----------------------------------------------------------------------------


def test_a_checkpoint_round_trips_and_verifies(history):
    checkpoint, result = make_checkpoint()
    assert result.ok
    assert checkpoint is not None
    assert (checkpoint.seq, checkpoint.hash) == (history, result.head_hash)
    again = Checkpoint.from_json(checkpoint.to_json())
    assert again == checkpoint
    later = verify(checkpoint=again)
    assert later.ok
    assert later.line().endswith(f"checkpoint #{history} matches; unsealed: none")


def test_a_checkpoint_file_with_a_changed_field_is_refused(history):
    checkpoint, _ = make_checkpoint()
    assert checkpoint is not None
    forged = checkpoint.to_json().replace(f'"seq": {history}', f'"seq": {history - 2}')
    with pytest.raises(CheckpointInvalid, match="signature"):
        Checkpoint.from_json(forged)
    with pytest.raises(CheckpointInvalid, match="not JSON"):
        Checkpoint.from_json("{")
    with pytest.raises(CheckpointInvalid, match="not a bonta-audit-checkpoint file"):
        Checkpoint.from_json('{"seq": 1}')


def test_no_checkpoint_of_a_broken_chain(history):
    sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["x", 2])
    checkpoint, result = make_checkpoint()
    assert checkpoint is None
    assert result.first_bad_seq == 2


def test_a_checkpoint_catches_the_last_events_deleted_and_an_old_head_replayed(history, dr_grey):
    """An attacker who saved the head row earlier can delete everything after it and put the
    old head back: the chain alone then looks whole. A checkpoint taken later is not fooled."""
    saved_head = ChainHead.objects.values_list("seq", "hash", "mac").get(pk=1)
    with transaction.atomic():
        record("patient.read", actor=dr_grey, object_type="patient")
        record("patient.read", actor=dr_grey, object_type="patient")
    seal_all()
    checkpoint, _ = make_checkpoint()
    assert checkpoint is not None
    assert checkpoint.seq == history + 2

    sql("DELETE FROM audit_auditevent WHERE seq > %s", [history])
    sql("UPDATE audit_chainhead SET seq = %s, hash = %s, mac = %s WHERE id = 1", list(saved_head))

    assert verify().ok  # the documented limit without a checkpoint
    result = verify(checkpoint=checkpoint)
    assert not result.ok
    assert result.first_bad_seq == history + 1
    assert "checkpoint" in result.reason


def test_a_checkpoint_catches_a_rewrite_by_someone_with_the_key(history):
    """Even the key holder cannot rewrite the past behind a checkpoint kept elsewhere."""
    checkpoint, _ = make_checkpoint()
    assert checkpoint is not None
    events = list(AuditEvent.objects.order_by("seq"))
    key = keys.audit_key()
    prev = GENESIS
    for event in events:
        if event.seq == 3:
            event.actor_role = "manager"
        event.prev_hash, event.hash = prev, event_hash(prev, event, key)
        sql(
            "UPDATE audit_auditevent SET actor_role = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.actor_role, event.prev_hash, event.hash, event.seq],
        )
        prev = event.hash
    sql(
        "UPDATE audit_chainhead SET hash = %s, mac = %s WHERE id = 1",
        [prev, head_mac(events[-1].seq, prev, key)],
    )
    assert verify().ok  # a perfect forgery, to the chain alone
    result = verify(checkpoint=checkpoint)
    assert result.first_bad_seq == history
    assert "differs from the checkpoint" in result.reason


# ---- the key ---------------------------------------------------------------------------------


def test_the_key_file_is_created_once_private_and_kept_out_of_the_log(history, tmp_path, settings):
    path = tmp_path / "audit_key"
    settings.BONTA_AUDIT_KEY_FILE = path
    keys.forget_key()
    try:
        first = keys.audit_key()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        keys.forget_key()
        assert keys.audit_key() == first
        everything = " ".join(str(row) for row in AuditEvent.objects.values_list())
        assert first.hex() not in everything
    finally:
        keys.forget_key()


def test_a_damaged_key_file_is_refused_by_name(tmp_path, settings):
    path = tmp_path / "audit_key"
    path.write_text("not hex")
    settings.BONTA_AUDIT_KEY_FILE = path
    keys.forget_key()
    try:
        with pytest.raises(keys.AuditKeyError, match="audit_key is not an audit key"):
            keys.audit_key()
    finally:
        keys.forget_key()


# ---- existing chains: migration audit 0003 seals the unkeyed events ----------------------------


def _legacy_chain(n: int) -> None:
    """`n` unkeyed events as a database from before keyed hashing holds them, no head mark."""
    from django.utils import timezone

    prev = GENESIS
    for seq in range(1, n + 1):
        event = AuditEvent(
            seq=seq,
            at=timezone.now(),
            actor_role="nurse",
            action="patient.read",
            object_type="patient",
            object_id=str(seq),
            detail={},
            prev_hash=prev,
            chain=LEGACY,
        )
        event.hash = event_hash(prev, event)
        event.save(force_insert=True)
        prev = event.hash
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": n, "hash": prev, "mac": ""})


def _run_the_seal_migration() -> None:
    migration = importlib.import_module("bonta.audit.migrations.0003_keyed_chain")
    migration.seal_unkeyed_events(apps, SimpleNamespace(connection=connection))


def test_an_existing_unkeyed_chain_keeps_verifying_after_the_migration(db, dr_grey):
    _legacy_chain(5)
    assert not verify().ok  # unsealed, and the head has no mark
    _run_the_seal_migration()
    seal = AuditEvent.objects.get(seq=6)
    assert (seal.action, seal.chain, seal.detail["count"]) == ("audit.rekey", 2, 5)
    with transaction.atomic():
        record("patient.read", actor=dr_grey, object_type="patient")
    seal_all()
    result = verify()
    assert result.ok, result.line()
    assert result.events == 7


def test_a_rewritten_unkeyed_prefix_breaks_the_seal(db):
    _legacy_chain(5)
    _run_the_seal_migration()
    rewrite_from(2, actor_role="manager")  # 2…5 recomputed unkeyed, the seal with a guess
    result = verify()
    assert result.first_bad_seq == 6  # the seal is the first event the attacker cannot forge
