"""`bonta audit verify` / `checkpoint`: one line, exit 0 intact or 1 broken; checkpoint files."""

from __future__ import annotations

import json
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.tamper import sql
from bonta.audit.models import AuditEvent
from bonta.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(alice) -> int:  # registration and two consents
    return AuditEvent.objects.count()


def test_verify_seals_first_then_prints_one_line_when_intact(events, capsys):
    call_command("bonta_audit", "verify")
    assert capsys.readouterr().out == (
        f"audit chain intact: {events} events, head #{events}; unsealed: none\n"
    )


def test_verify_no_seal_reports_the_unsealed_window(events, capsys):
    call_command("bonta_audit", "verify", no_seal=True)
    out = capsys.readouterr().out
    assert out.startswith(f"audit chain intact: 0 events, head #0; unsealed: {events} events, ")
    assert out.endswith(" s old\n")
    assert not AuditEvent.objects.filter(seq__isnull=False).exists()


def test_seal_links_the_waiting_events_and_says_how_many(events, capsys):
    assert main(["audit", "seal"]) == 0
    assert capsys.readouterr().out == f"sealed {events} events; chain head #{events}\n"
    assert main(["audit", "seal"]) == 0
    assert capsys.readouterr().out == f"sealed 0 events; chain head #{events}\n"


def test_verify_of_a_broken_chain_fails_naming_the_first_bad_event(events):
    call_command("bonta_audit", "seal")
    sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["patient.nothing", 2])
    with pytest.raises(CommandError, match=r"^audit chain broken at event #2: "):
        call_command("bonta_audit", "verify")


def test_bonta_audit_verify_exits_1_with_one_line_on_stderr(events, capsys):
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("audit chain intact")  # and now sealed
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [events])  # the last one
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"bonta: audit chain broken at event #{events}: "
        f"event #{events} is missing (head at #{events})\n"
    )


def test_checkpoint_seals_first_and_verifies_against_it(events, tmp_path, capsys):
    path = tmp_path / "head.json"
    assert main(["audit", "checkpoint", "--output", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["seq"] == events
    assert set(document) == {"at", "format", "hash", "mac", "mac_algorithm", "seq", "version"}
    capsys.readouterr()
    assert main(["audit", "verify", "--checkpoint", str(path)]) == 0
    assert capsys.readouterr().out.endswith(f"checkpoint #{events} matches; unsealed: none\n")
    # never overwritten
    assert main(["audit", "checkpoint", "--output", str(path)]) == 1
    assert "exists" in capsys.readouterr().err


def test_checkpoint_to_stdout_is_the_json(events, capsys):
    call_command("bonta_audit", "checkpoint")
    assert json.loads(capsys.readouterr().out)["seq"] == events


def test_verify_against_a_forged_or_missing_checkpoint_fails_by_name(events, tmp_path, capsys):
    path = tmp_path / "head.json"
    call_command("bonta_audit", "checkpoint", output=str(path))
    path.write_text(path.read_text().replace(f'"seq": {events}', '"seq": 1'))
    assert main(["audit", "verify", "--checkpoint", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"bonta: checkpoint {path}: its signature does not match this clinic's audit key\n"
    )
    assert main(["audit", "verify", "--checkpoint", str(tmp_path / "nope.json")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_verify_after_the_checkpointed_events_were_deleted_fails(events, tmp_path, capsys):
    path = tmp_path / "head.json"
    call_command("bonta_audit", "checkpoint", output=str(path))
    sql("DELETE FROM audit_auditevent WHERE seq >= %s", [events - 1])
    sql("DELETE FROM audit_chainhead")
    assert main(["audit", "verify", "--checkpoint", str(path)]) == 1
    assert "broken at event #" in capsys.readouterr().err


def test_no_checkpoint_of_a_broken_chain(events, capsys):
    call_command("bonta_audit", "seal")
    sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["x", 1])
    assert main(["audit", "checkpoint"]) == 1
    assert capsys.readouterr().err.startswith("bonta: no checkpoint written: audit chain broken")
