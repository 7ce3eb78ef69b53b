"""Lot recall: exactly the patients of a lot, the CSV columns, outreach audited, roles."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.lotrecall import services
from bonta.lotrecall.models import RecallContact
from bonta.records.errors import NotAllowed
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db


def test_finds_exactly_the_patients_of_the_lot(exposed: dict[str, Patient]) -> None:
    found = services.find_exposures(services.criteria(lot="RC-1"))
    assert [e.record_number for e in found] == ["A-001", "B-002"]
    alice, bea = found
    assert len(alice.sessions) == 1
    assert len(bea.sessions) == 2
    session = alice.sessions[0]
    assert session.on == date(2025, 3, 3)
    assert session.pathway == "cosmetic"
    assert session.lots == {"RC-1"}
    assert session.units_text == "20 U"  # 5 × 4 U glabellar
    assert "Procerus (midline) 4 U" in session.sites_text
    assert alice.phone == "+44 20 7946 0001"
    assert alice.email == "alice@example.org"


def test_the_lot_is_matched_exactly(exposed: dict[str, Patient]) -> None:
    assert services.find_exposures(services.criteria(lot="RC")) == []
    assert services.find_exposures(services.criteria(lot=" RC-1 "))  # stripped
    assert [e.record_number for e in services.find_exposures(services.criteria(lot="OTHER-9"))] == [
        "C-003"
    ]


def test_product_and_date_range(exposed: dict[str, Patient]) -> None:
    band = services.criteria(
        product="botox_cosmetic", date_from=date(2025, 3, 3), date_to=date(2025, 3, 3)
    )
    assert [e.record_number for e in services.find_exposures(band)] == ["A-001", "B-002", "C-003"]
    later = services.criteria(
        product="botox_cosmetic", date_from=date(2025, 3, 4), date_to=date(2025, 12, 31)
    )
    found = services.find_exposures(later)
    assert [e.record_number for e in found] == ["B-002"]
    assert len(found[0].sessions) == 1
    assert (
        services.find_exposures(
            services.criteria(
                product="botox", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)
            )
        )
        == []
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "lot"),
        ({"lot": "x" * 65}, "lot"),
        ({"lot": "RC-1", "product": "botox"}, "lot"),
        (
            {"product": "nope", "date_from": date(2025, 1, 1), "date_to": date(2025, 2, 1)},
            "product",
        ),
        ({"product": "botox", "date_to": date(2025, 2, 1)}, "date_from"),
        ({"product": "botox", "date_from": date(2025, 1, 1)}, "date_to"),
        (
            {"product": "botox", "date_from": date(2025, 3, 1), "date_to": date(2025, 2, 1)},
            "date_to",
        ),
    ],
)
def test_bad_criteria_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        services.criteria(**kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


def test_csv_columns_and_rows(exposed: dict[str, Patient], max_manager: User) -> None:
    campaign = services.open_campaign(
        services.criteria(lot="RC-1"), reason="FSN 2025-01", by=max_manager
    )
    rows = list(
        csv.reader(
            io.StringIO(
                services.exposures_csv(services.campaign_exposures(campaign, by=max_manager))
            )
        )
    )
    assert tuple(rows[0]) == services.CSV_COLUMNS
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [r["record_number"] for r in body] == ["A-001", "B-002", "B-002"]
    first = body[0]
    assert first["phone"] == "+44 20 7946 0001"  # a phone number is not a formula
    assert first["lot"] == "RC-1"
    assert first["expiry"] == "2030-01-01"
    assert first["units"] == "20"
    assert first["session_date"] == "2025-03-03"
    assert first["pathway"] == "cosmetic"
    assert first["product"] == "botox_cosmetic"
    assert first["outreach_status"] == "not_contacted"


def test_formula_cells_are_neutralised() -> None:
    assert services._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert services._cell("+44 20 7946 0000") == "+44 20 7946 0000"
    assert services._cell("@SUM(A1)") == "'@SUM(A1)"


def test_outreach_status_is_recorded_and_audited(
    exposed: dict[str, Patient], max_manager: User
) -> None:
    campaign = services.open_campaign(services.criteria(lot="RC-1"), reason="FSN", by=max_manager)
    bea = exposed["bea"]
    contact = services.set_outreach_status(
        campaign, bea.pk, status="contacted", note="left voicemail", by=max_manager
    )
    assert (contact.status, contact.status_by, contact.note) == (
        "contacted",
        max_manager,
        "left voicemail",
    )
    services.set_outreach_status(campaign, bea.pk, status="seen", by=max_manager)
    assert RecallContact.objects.get().status == "seen"
    events = AuditEvent.objects.filter(action="lot_recall.status", patient_id=bea.pk)
    assert [e.detail["status"] for e in events.order_by("id")] == ["contacted", "seen"]
    assert all(e.object_id == str(campaign.pk) for e in events)
    shown = services.campaign_exposures(campaign, by=max_manager)
    assert [e.status for e in shown] == ["not_contacted", "seen"]


def test_outreach_refused_for_a_patient_outside_the_recall(
    exposed: dict[str, Patient], max_manager: User
) -> None:
    campaign = services.open_campaign(services.criteria(lot="RC-1"), reason="FSN", by=max_manager)
    with pytest.raises(InvalidInput) as error:
        services.set_outreach_status(campaign, exposed["cy"].pk, status="contacted", by=max_manager)
    assert error.value.field == "patient_id"
    with pytest.raises(InvalidInput) as bad:
        services.set_outreach_status(campaign, exposed["bea"].pk, status="phoned", by=max_manager)
    assert bad.value.field == "status"
    assert not RecallContact.objects.exists()
    assert not AuditEvent.objects.filter(action="lot_recall.status").exists()


def test_views_and_exports_are_audited_per_patient(
    exposed: dict[str, Patient], max_manager: User
) -> None:
    campaign = services.open_campaign(services.criteria(lot="RC-1"), reason="FSN", by=max_manager)
    services.campaign_exposures(campaign, by=max_manager)
    services.campaign_exposures(campaign, by=max_manager, action="lot_recall.export")
    for action in ("lot_recall.view", "lot_recall.export"):
        seen = set(AuditEvent.objects.filter(action=action).values_list("patient_id", flat=True))
        assert seen == {exposed["alice"].pk, exposed["bea"].pk}
    assert AuditEvent.objects.filter(action="lot_recall.open", object_id=str(campaign.pk)).exists()


def test_roles(
    exposed: dict[str, Patient],
    max_manager: User,
    dr_grey: User,
    nurse_noor: User,
    rita_reception: User,
) -> None:
    search = services.criteria(lot="RC-1")
    for user in (dr_grey, nurse_noor, rita_reception):
        with pytest.raises(NotAllowed):
            services.open_campaign(search, reason="FSN", by=user)
    campaign = services.open_campaign(search, reason="FSN", by=max_manager)
    assert len(services.campaign_exposures(campaign, by=dr_grey)) == 2  # clinicians read
    with pytest.raises(NotAllowed):
        services.set_outreach_status(campaign, exposed["bea"].pk, status="seen", by=dr_grey)
    for user in (nurse_noor, rita_reception):
        with pytest.raises(NotAllowed):
            services.campaign_exposures(campaign, by=user)
