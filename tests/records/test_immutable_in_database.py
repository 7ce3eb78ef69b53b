"""A signed encounter and everything hanging off it are immutable in the database itself: raw
SQL and bulk ORM calls are refused on both engines (records migrations 0005 and 0008), while
sign-off, addenda, the demo loader and test flushes still work."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from bonta.audit.models import AuditEvent, ChainHead
from bonta.records import services
from bonta.records.models import (
    Addendum,
    Administration,
    Assessment,
    Encounter,
    EncounterStatus,
    FindingOverride,
    PlannedInjection,
)
from records.clinic import glabellar_session, make_vial, preempt_session

pytestmark = pytest.mark.django_db

REFUSED = r"signed encounter|addendum cannot|append-only|audit chain head|cannot be truncated"


@pytest.fixture
def signed(alice, dr_grey) -> Encounter:
    """PREEMPT, 31 × 5 U, signed and amended."""
    encounter = preempt_session(
        alice, dr_grey, make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    )
    services.sign_encounter(encounter, dr_grey)
    services.amend_encounter(encounter, by=dr_grey, reason="Typo", text="Felt faint.")
    return Encounter.objects.get(pk=encounter.pk)


def refused(run) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        run()


def raw(statement: str, params: list[object] | None = None):  # type: ignore[no-untyped-def]
    return lambda: connection.cursor().execute(statement, params or [])


def pk(value: object) -> str:
    """A UUID as the engine stores it (SQLite: 32 hex digits, PostgreSQL: uuid)."""
    return value.hex if connection.vendor == "sqlite" else str(value)  # type: ignore[attr-defined]


def test_raw_sql_cannot_change_or_remove_a_signed_encounter(signed):
    where = [pk(signed.pk)]
    refused(raw("UPDATE records_encounter SET status = 'draft' WHERE id = %s", where))
    refused(raw("UPDATE records_encounter SET product = 'dysport' WHERE id = %s", where))
    refused(raw("DELETE FROM records_encounter WHERE id = %s", where))
    refused(raw("UPDATE records_administration SET units = 50 WHERE encounter_id = %s", where))
    refused(raw("DELETE FROM records_administration WHERE encounter_id = %s", where))
    refused(raw("UPDATE records_plannedinjection SET units = 50 WHERE encounter_id = %s", where))
    refused(raw("DELETE FROM records_plannedinjection WHERE encounter_id = %s", where))
    refused(raw("UPDATE records_addendum SET text = 'x' WHERE encounter_id = %s", where))
    refused(raw("DELETE FROM records_addendum WHERE encounter_id = %s", where))
    signed.refresh_from_db()
    assert signed.status == EncounterStatus.SIGNED
    assert signed.product == "botox"
    assert Administration.objects.filter(encounter=signed, units=5).count() == 31
    assert PlannedInjection.objects.filter(encounter=signed).count() == 31
    assert Addendum.objects.get(encounter=signed).text == "Felt faint."


def test_bulk_orm_calls_cannot_change_or_remove_a_signed_encounter(signed):
    encounters = Encounter.objects.filter(pk=signed.pk)
    given = Administration.objects.filter(encounter=signed)
    refused(lambda: encounters.update(status=EncounterStatus.DRAFT))
    refused(lambda: given.update(units=50))
    refused(lambda: given.delete())
    refused(lambda: PlannedInjection.objects.filter(encounter=signed).delete())
    refused(lambda: Addendum.objects.filter(encounter=signed).update(reason="x"))
    refused(lambda: Addendum.objects.all().delete())
    assert given.filter(units=5).count() == 31


def test_rows_cannot_be_moved_into_or_out_of_a_signed_encounter(signed, alice, dr_grey):
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    refused(lambda: Administration.objects.filter(encounter=signed).update(encounter=draft))
    refused(lambda: PlannedInjection.objects.filter(encounter=draft).update(encounter=signed))
    assert PlannedInjection.objects.filter(encounter=draft).count() == 5


def test_nothing_can_be_added_to_a_signed_encounter(signed, alice, dr_grey):
    """Migration 0008: raw SQL or a bulk insert cannot add an administration, a plan row, an
    override or an assessment to a signed record (before it, only the application refused)."""
    first = Administration.objects.filter(encounter=signed).order_by("position").first()
    vial = first.vial_id
    insert = (
        "INSERT INTO records_administration (id, encounter_id, position, product, muscle, side,"
        " point, units, volume_ml, vial_id, lot) VALUES (%s, %s, 99, 'botox', 'frontalis',"
        " 'left', '', 50, 0.5, %s, %s)"
    )
    refused(raw(insert, [pk(uuid.uuid4()), pk(signed.pk), pk(vial), first.lot]))
    extra = Administration(
        encounter=signed, position=99, product="botox", muscle="frontalis", side="left",
        units=50, volume_ml="0.5", vial_id=vial, lot=first.lot,
    )  # fmt: skip
    refused(lambda: Administration.objects.bulk_create([extra]))
    plan_row = PlannedInjection(
        encounter=signed, position=99, muscle="frontalis", side="left", units=50, vial_id=vial
    )
    refused(lambda: PlannedInjection.objects.bulk_create([plan_row]))
    override = FindingOverride(
        encounter=signed, code="cumulative_dose_exceeded", reason_code="documented_clinical_need",
        reason="added later", clinician=dr_grey, at=signed.signed_at,
    )  # fmt: skip
    refused(lambda: FindingOverride.objects.bulk_create([override]))
    assessment = Assessment(encounter=signed, pathway="chronic_migraine", data={"hit6": 60})
    refused(lambda: Assessment.objects.bulk_create([assessment]))
    assert Administration.objects.filter(encounter=signed).count() == 31
    assert PlannedInjection.objects.filter(encounter=signed).count() == 31
    assert not FindingOverride.objects.filter(encounter=signed).exists()
    assert not Assessment.objects.filter(encounter=signed).exists()
    # What is added to a signed encounter by design still is: an addendum.
    services.amend_encounter(signed, by=dr_grey, reason="Later", text="Reviewed at 2 weeks.")
    # And a draft takes rows as before.
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="D1"))
    assert PlannedInjection.objects.filter(encounter=draft).count() == 5


def test_overrides_and_assessments_of_a_signed_encounter_are_frozen(alice, dr_grey):
    # A second glabellar session the same day: a clinical block a coded reason may override.
    services.sign_encounter(
        glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G1")), dr_grey
    )
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G2"))
    Assessment.objects.create(encounter=encounter, pathway="cosmetic", data={"scale": 2})
    override = services.OverrideInput(
        "retreatment_too_soon", "documented_clinical_need", "Touch-up agreed with the patient."
    )
    services.sign_encounter(encounter, dr_grey, [override])
    assert FindingOverride.objects.filter(encounter=encounter).count() == 1
    refused(lambda: FindingOverride.objects.filter(encounter=encounter).update(reason="x"))
    refused(lambda: FindingOverride.objects.filter(encounter=encounter).delete())
    refused(lambda: Assessment.objects.filter(encounter=encounter).update(data={}))
    refused(lambda: Assessment.objects.filter(encounter=encounter).delete())


def test_drafts_stay_editable_and_sign_off_still_works(alice, dr_grey):
    vial = make_vial(dr_grey)
    draft = glabellar_session(alice, dr_grey, vial)
    # the plan of a draft is replaced by DELETE + INSERT
    services.plan_treatment(draft, by=dr_grey, protocol="glabellar_lines", vial=vial.pk)
    PlannedInjection.objects.filter(encounter=draft).update(point="a")
    Encounter.objects.filter(pk=draft.pk).update(protocol="glabellar_lines")
    signed = services.sign_encounter(draft, dr_grey)
    assert signed.status == EncounterStatus.SIGNED
    assert Administration.objects.filter(encounter=signed).count() == 5
    services.amend_encounter(signed, by=dr_grey, reason="Note", text="Tolerated well.")
    other = glabellar_session(alice, dr_grey, vial)
    other.delete()  # a draft can still be discarded
    assert not Encounter.objects.filter(pk=other.pk).exists()


def test_the_audit_log_is_append_only_in_the_database_on_both_engines(signed):
    from bonta.audit.sealer import seal_all

    last = AuditEvent.objects.latest("id").pk  # still unsealed: refused as well
    refused(raw("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [last]))
    refused(raw("DELETE FROM audit_auditevent WHERE id = %s", [last]))
    seal_all()  # events are written unsealed and sealed into the chain soon after
    refused(raw("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1"))
    refused(raw("DELETE FROM audit_auditevent WHERE seq = 1"))
    refused(raw("DELETE FROM audit_chainhead"))
    refused(raw("UPDATE audit_chainhead SET seq = seq - 1"))
    assert AuditEvent.objects.get(seq=1).action == "patient.create"
    assert ChainHead.objects.get(pk=1).seq == AuditEvent.objects.count()


@pytest.mark.postgres
def test_postgresql_refuses_truncate_too(signed):
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
    for table in ("records_encounter", "records_administration", "records_addendum"):
        refused(raw(f"TRUNCATE {table} CASCADE"))
    refused(raw("TRUNCATE audit_auditevent"))
    assert Administration.objects.filter(encounter=signed).count() == 31


def test_every_guard_trigger_is_installed():
    """A later migration that rebuilds one of these tables on SQLite (AlterField does) drops
    its triggers silently: this names the ones that went missing."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        installed = {row[0] for row in cursor.fetchall()}
    parts = ("plannedinjection", "administration", "findingoverride", "assessment")
    expected = {
        "audit_event_no_update",
        "audit_event_no_delete",
        "audit_head_forward_only",
        "audit_head_no_delete",
        "records_encounter_signed_no_update",
        "records_encounter_signed_no_delete",
        "records_addendum_no_update",
        "records_addendum_no_delete",
    }
    expected |= {f"records_{p}_signed_no_insert" for p in parts}
    if connection.vendor == "sqlite":
        expected |= {f"records_{p}_signed_no_{op}" for p in parts for op in ("update", "delete")}
    else:
        expected |= {f"records_{p}_signed_frozen" for p in parts}
        expected |= {"audit_event_no_truncate", "audit_head_no_truncate"}
        expected |= {f"records_{t}_no_truncate" for t in ("encounter", "addendum", *parts)}
    assert expected - installed == set()


def test_the_demo_loader_still_writes_signed_history(db):
    from bonta.demo.clinic import generate

    summary = generate(3, seed=5, years=2, progress=False)
    assert summary["patients"] == 3
    assert Encounter.objects.filter(status=EncounterStatus.SIGNED).exists()
    assert Administration.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_with_signed_records_can_be_flushed(alice, dr_grey):
    """The flush after this test (tests/conftest.py: the flush guard) deletes signed rows and
    audit events; the next test starting on an empty database shows it worked."""
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    services.sign_encounter(encounter, dr_grey)
    services.amend_encounter(encounter, by=dr_grey, reason="Note", text="x")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bonta_flush_guard")
        assert cursor.fetchone()[0] == 0  # the guard is closed outside the flush


@pytest.mark.django_db(transaction=True)
def test_the_database_is_empty_after_the_flush():
    assert not Encounter.objects.exists()
    assert not AuditEvent.objects.exists()
