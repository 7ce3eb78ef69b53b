"""Consent documents: shipped text from the reference, versions, immutability, publishing."""

from __future__ import annotations

import hashlib
import re
import tomllib

import pytest
from django.db import DatabaseError, connection, transaction

from bonta.audit.models import AuditEvent
from bonta.consent import services
from bonta.consent.models import ConsentDocument, DocumentIsImmutable
from bonta.consent.shipped import DOCUMENTS_PATH, shipped_documents
from bonta.domain.errors import InvalidInput
from bonta.domain.sources import sources
from bonta.records.errors import Conflict, NotAllowed

pytestmark = pytest.mark.django_db

KINDS = ("cosmetic", "chronic_migraine", "photography")


def test_bonta_ships_version_1_of_each_kind_with_the_hash_of_its_exact_text() -> None:
    for kind in KINDS:
        document = services.current_document(kind)
        assert document.version == 1
        assert document.published_by is None
        exact = f"{document.title}\n\n{document.body}".encode()
        assert document.sha256 == hashlib.sha256(exact).hexdigest()


def test_the_two_pathways_have_different_documents() -> None:
    cosmetic = services.current_document("cosmetic")
    migraine = services.current_document("chronic_migraine")
    assert cosmetic.sha256 != migraine.sha256
    assert "cosmetic treatment only" in cosmetic.body
    assert "chronic migraine treatment only" in migraine.body


def test_the_migraine_document_describes_the_preempt_course_as_the_reference_does() -> None:
    body = services.current_document("chronic_migraine").body
    assert "31 injections into 7 areas" in body
    assert "Each injection is 5 units (0.1 mL): 155 units in all" in body
    assert "Treatment is repeated every 12 weeks" in body
    assert "155 to 195 units" in body  # PREEMPT follow-the-pain, with the label's 155 U default
    assert "14 or fewer headache days each month (episodic migraine)" in body


@pytest.mark.parametrize("kind", ["cosmetic", "chronic_migraine"])
def test_treatment_documents_carry_the_boxed_warning_and_urgent_signs(kind: str) -> None:
    body = services.current_document(kind).body
    assert "boxed warning" in body
    assert "there have been reports of death" in body
    assert "hours to weeks after" in body
    assert "get medical help right away" in body
    assert "It is not a natural product." in body
    assert "units of BOTOX in 3 months" in body  # the doses of both pathways add up


def test_every_cited_source_is_in_the_source_register_and_listed_in_the_text() -> None:
    known = sources()
    for shipped in shipped_documents():
        for source_id in shipped.sources:
            assert source_id in known, source_id
        cited = {int(n) for group in re.findall(r"\[([\d, ]+)\]", shipped.body)
                 for n in group.split(",")}  # fmt: skip
        # An address is the register's: a URL, or a site name where the register has no URL.
        listed = re.findall(r"^- \[(\d+)\] .+ \S+$", shipped.body, re.MULTILINE)
        assert cited == {int(n) for n in listed} == set(range(1, len(shipped.sources) + 1))


def test_each_listed_source_has_the_registers_address() -> None:
    known = sources()
    for shipped in shipped_documents():
        listed = re.findall(r"^- \[(\d+)\] (.+)$", shipped.body, re.MULTILINE)
        assert len(listed) == len(shipped.sources)
        for (n, line), (i, sid) in zip(listed, enumerate(shipped.sources, 1), strict=True):
            assert int(n) == i
            assert line.endswith(f". {known[sid].address}"), (line, sid)


def test_a_statement_resting_only_on_weak_sources_says_so() -> None:
    known = sources()
    with DOCUMENTS_PATH.open("rb") as handle:
        raw = tomllib.load(handle)
    checked = 0
    for doc in raw["documents"]:
        for section in doc["sections"]:
            for statement in section.get("statements", []):
                if {known[i].rating for i in statement["source"]} == {"W"}:
                    assert "weak source" in statement.get("note", ""), statement["text"]
                    checked += 1
    assert checked >= 2


def test_weak_sources_are_labelled_as_weak_in_the_text() -> None:
    body = services.current_document("cosmetic").body
    (cosmetic,) = [d for d in shipped_documents() if d.product == "botox_cosmetic"]
    weak = {"LABEL-MIRROR-SARASOTA-1", "MHN-2013", "JDV-MEDSPA"}
    numbers = {str(n) for n, sid in enumerate(cosmetic.sources, 1) if sid in weak}
    checked = 0
    for line in body.split("\n\n"):
        cited = re.findall(r"\[([\d, ]+)\]", line)
        if cited and set(cited[-1].replace(" ", "").split(",")) <= numbers:
            assert "weak source" in line
            checked += 1
    assert checked >= 2


def test_a_published_document_cannot_be_changed_through_the_orm() -> None:
    document = services.current_document("cosmetic")
    document.body = "Something else."
    with pytest.raises(DocumentIsImmutable):
        document.save()
    with pytest.raises(DocumentIsImmutable):
        ConsentDocument.objects.filter(pk=document.pk).update(body="x")
    with pytest.raises(DocumentIsImmutable):
        document.delete()
    assert services.current_document("cosmetic").body != "Something else."


def test_the_database_itself_refuses_to_change_a_published_document() -> None:
    table = ConsentDocument._meta.db_table
    with (
        pytest.raises(DatabaseError, match="cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET body = 'x'")  # noqa: S608 - fixed name


def test_a_manager_publishes_a_new_version_and_it_becomes_current(max_manager) -> None:
    body = "## Intro\r\nNew text.  \r\n"
    new = services.publish_document(
        kind="cosmetic", title="Cosmetic consent", body=body, by=max_manager
    )
    assert (new.version, new.body, new.published_by) == (2, "## Intro\nNew text.", max_manager)
    assert services.current_document("cosmetic") == new
    assert services.current_document("chronic_migraine").version == 1
    event = AuditEvent.objects.get(action="consent_document.publish")
    assert event.detail == {"kind": "cosmetic", "version": 2, "product": "botox_cosmetic"}
    assert event.patient_id is None


def test_publishing_the_same_text_again_is_refused(max_manager) -> None:
    current = services.current_document("photography")
    with pytest.raises(Conflict, match="identical to photography version 1"):
        services.publish_document(
            kind="photography", title=current.title, body=current.body, by=max_manager
        )
    assert ConsentDocument.objects.filter(kind="photography").count() == 1


@pytest.mark.parametrize("persona", ["dr_grey", "nurse_noor", "rita_reception"])
def test_only_a_manager_publishes(persona: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(NotAllowed):
        services.publish_document(
            kind="cosmetic", title="T", body="B", by=request.getfixturevalue(persona)
        )
    assert ConsentDocument.objects.filter(kind="cosmetic", product="botox_cosmetic").count() == 1


@pytest.mark.parametrize(
    ("field", "values"),
    [("title", {"title": " ", "body": "B"}), ("body", {"title": "T", "body": "\n \n"})],
)
def test_publishing_needs_a_title_and_a_text(max_manager, field: str, values: dict) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.publish_document(kind="cosmetic", by=max_manager, **values)
    assert refused.value.field == field


def test_an_unknown_kind_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="unknown consent kind 'dental'") as refused:
        services.current_document("dental")
    assert refused.value.field == "kind"


def test_installing_the_shipped_texts_again_adds_nothing() -> None:
    assert services.install_shipped_documents() == []
    assert ConsentDocument.objects.count() == 8  # 3 kinds; cosmetic worded for 6 products


def test_every_human_albumin_statement_names_the_product_it_is_about() -> None:
    """True for the product the consent is about (BOTOX Cosmetic, BOTOX, Dysport …); Daxxify
    has none."""
    brands = {"botox_cosmetic": "BOTOX Cosmetic", "botox": "BOTOX"}
    for shipped in shipped_documents():
        if not shipped.product:
            continue
        name = brands.get(shipped.product) or shipped.title.split(" with ")[1].split(" (")[0]
        for line in shipped.body.split("\n\n"):
            if "albumin" in line and not line.startswith("## Sources"):
                assert not line.startswith("It contains"), line
                assert line.startswith((f"{name} contains", f"{name}'s ingredients")), line
