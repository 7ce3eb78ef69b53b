"""A real FHIR client (fhirpy) against the running server: read, search, paging."""

from __future__ import annotations

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from bonta.accounts.models import Role, User
from bonta.accounts.tokens import issue_token
from bonta.demo.clinic import generate
from bonta.records.models import Encounter, EncounterStatus, Patient
from fhir_r4.validate import validate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server: object) -> SyncFHIRClient:
    generate(4, seed=8, years=1)
    user = User.objects.create_user("dr_live", role=Role.CLINICIAN)
    _, key = issue_token(user, "fhirpy")
    return SyncFHIRClient(f"{live_server}/fhir/R4", authorization=f"Bearer {key}")


def test_fhirpy_reads_searches_and_follows_the_paging_links(client: SyncFHIRClient) -> None:
    patients = client.resources("Patient").limit(2).fetch_all()  # follows Bundle.link next
    assert sorted(p.id for p in patients) == sorted(
        str(pk) for pk in Patient.objects.values_list("pk", flat=True)
    )
    assert client.resources("Patient").count() == Patient.objects.count()

    encounter = Encounter.objects.filter(status=EncounterStatus.SIGNED).first()
    assert encounter is not None
    read = client.reference("Encounter", str(encounter.pk)).to_resource()
    validate(read.serialize())
    assert read["subject"]["reference"] == f"Patient/{encounter.patient_id}"

    given = (
        client.resources("MedicationAdministration")
        .search(patient=str(encounter.patient_id))
        .limit(5)
        .fetch_all()
    )
    assert given
    assert {g["subject"]["reference"] for g in given} == {f"Patient/{encounter.patient_id}"}
    for resource in given:
        validate(resource.serialize())


def test_fhirpy_sees_errors_as_operation_outcomes(client: SyncFHIRClient) -> None:
    with pytest.raises(OperationOutcome) as raised:
        client.resources("Encounter").search(date="not-a-date").fetch()
    assert "date" in str(raised.value)
