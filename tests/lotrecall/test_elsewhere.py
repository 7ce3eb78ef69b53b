"""Lot recall also finds administrations recorded elsewhere (FHIR imports, passports) that
carry the recalled lot, marked with the system they came from."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.lotrecall import services
from bonta.lotrecall.models import RecallCampaign
from bonta.records.models import Patient
from bonta.records.services.external import ExternalItem, record_external_administrations
from records.clinic import make_patient

pytestmark = pytest.mark.django_db

FHIR_SOURCE = "https://elsewhere.example/fhir"
PASSPORT_SOURCE = "Clinic Two (passport 0123456789abcdef)"


def given_elsewhere(
    patient: Patient, by: User, lot: str, source: str, n: int, expiry: date | None = None
) -> None:
    record_external_administrations(
        patient,
        [
            ExternalItem(
                on=date(2025, 4, 1 + n),
                product="botox_cosmetic",
                units="12",
                pathway_code="cosmetic",
                source_id=f"ext-{n}",
                area="glabellar_lines",
                lot=lot,
                lot_expiry=expiry,
            )
        ],
        by=by,
        source_system=source,
    )


@pytest.fixture
def elsewhere(exposed: dict[str, Patient], dr_grey: User) -> dict[str, Patient]:
    """Dee got RC-1 at another clinic (FHIR), Eve got "OTHER-9,RC-1" (a passport's lots),
    Fay got "RC-10" and Gus "rc-1" (neither is RC-1); Alice got RC-1 here and elsewhere."""
    dee = make_patient(dr_grey, "D-004", given_name="Dee", family_name="Dale")
    eve = make_patient(dr_grey, "E-005", given_name="Eve", family_name="Evans")
    fay = make_patient(dr_grey, "F-006", given_name="Fay", family_name="Ford")
    gus = make_patient(dr_grey, "G-007", given_name="Gus", family_name="Gray")
    given_elsewhere(dee, dr_grey, "RC-1", FHIR_SOURCE, 1, date(2026, 6, 30))
    given_elsewhere(eve, dr_grey, "OTHER-9,RC-1", PASSPORT_SOURCE, 2)
    given_elsewhere(fay, dr_grey, "RC-10", FHIR_SOURCE, 3)
    given_elsewhere(gus, dr_grey, "rc-1", FHIR_SOURCE, 4)
    given_elsewhere(exposed["alice"], dr_grey, "RC-1", FHIR_SOURCE, 5)
    return {**exposed, "dee": dee, "eve": eve}


def test_a_lot_finds_external_records_marked_as_recorded_elsewhere(
    elsewhere: dict[str, Patient],
) -> None:
    found = services.find_exposures(services.criteria(lot="RC-1"))
    assert [e.record_number for e in found] == ["A-001", "B-002", "D-004", "E-005"]
    alice, _bea, dee, eve = found
    assert [s.elsewhere for s in alice.sessions] == ["", FHIR_SOURCE]  # in date order
    [session] = dee.sessions
    assert (session.elsewhere, session.on, session.units_text) == (
        FHIR_SOURCE,
        date(2025, 4, 2),
        "12 U",
    )
    assert (session.lot_text, session.expiry_text) == ("RC-1", "2026-06-30")
    assert session.sites_text == "Glabellar lines 12 U"
    assert session.pathway_label == "Cosmetic"
    assert eve.sessions[0].elsewhere == PASSPORT_SOURCE
    assert eve.sessions[0].lot_text == "OTHER-9, RC-1"


def test_every_lot_of_a_passport_list_finds_it(elsewhere: dict[str, Patient]) -> None:
    found = services.find_exposures(services.criteria(lot="OTHER-9"))
    assert [e.record_number for e in found] == ["C-003", "E-005"]
    assert services.find_exposures(services.criteria(lot="RC-10"))[0].record_number == "F-006"
    assert [e.record_number for e in services.find_exposures(services.criteria(lot="rc-1"))] == [
        "G-007"
    ]


def test_a_product_band_stays_with_the_sessions_here(elsewhere: dict[str, Patient]) -> None:
    band = services.criteria(
        product="botox_cosmetic", date_from=date(2025, 4, 1), date_to=date(2025, 4, 30)
    )
    assert services.find_exposures(band) == []


def test_the_csv_and_the_campaign_page_say_where_it_was_recorded(
    elsewhere: dict[str, Patient], max_manager: User, as_max: Client
) -> None:
    campaign = services.open_campaign(services.criteria(lot="RC-1"), reason="FSN", by=max_manager)
    text = services.exposures_csv(services.campaign_exposures(campaign, by=max_manager))
    rows = list(csv.DictReader(io.StringIO(text)))
    dee = next(r for r in rows if r["record_number"] == "D-004")
    assert (dee["recorded_elsewhere"], dee["lot"], dee["expiry"]) == (
        FHIR_SOURCE,
        "RC-1",
        "2026-06-30",
    )
    assert {r["recorded_elsewhere"] for r in rows if r["record_number"] == "B-002"} == {""}
    page = as_max.get(f"/lot-recall/{RecallCampaign.objects.get().pk}/").content.decode()
    assert 'data-record="D-004"' in page
    assert f"recorded elsewhere: {PASSPORT_SOURCE}" in page


def test_outreach_can_be_recorded_for_a_patient_treated_elsewhere(
    elsewhere: dict[str, Patient], max_manager: User
) -> None:
    campaign = services.open_campaign(services.criteria(lot="RC-1"), reason="FSN", by=max_manager)
    contact = services.set_outreach_status(
        campaign, elsewhere["dee"].pk, status="contacted", by=max_manager
    )
    assert contact.status == "contacted"


def test_the_cli_lists_them_as_recorded_elsewhere(
    elsewhere: dict[str, Patient], max_manager: User, capsys: pytest.CaptureFixture[str]
) -> None:
    from bonta.cli.main import main

    assert main(["recall-lot", "RC-1", "--by", "max"]) == 0
    out = capsys.readouterr().out
    [dee] = [line for line in out.splitlines() if line.startswith("D-004")]
    assert dee.endswith(f"\trecorded elsewhere: {FHIR_SOURCE}")
    [bea, _] = [line for line in out.splitlines() if line.startswith("B-002")]
    assert "recorded elsewhere" not in bea
    assert "4 patients received lot RC-1" in out
