"""The CapabilityStatement (exactly what is served) and Bonta's CodeSystem resources."""

from __future__ import annotations

from typing import Any

from bonta.fhir.codes import CodeSystemSpec, system
from bonta.fhir.resources import COMMON_PARAMS, REGISTRY

SOFTWARE_VERSION = "0.1.0"
BULK = "http://hl7.org/fhir/uv/bulkdata"
SEARCH_TYPES = {
    "patient": "reference",
    "date": "date",
    "_lastUpdated": "date",
    "identifier": "token",
    "_id": "token",
    "_count": "number",
    "_offset": "number",
}


def statement(root: str) -> dict[str, Any]:
    resources = []
    for kind in REGISTRY.values():
        params = {**kind.params, **COMMON_PARAMS}
        resources.append(
            {
                "type": kind.name,
                "documentation": kind.profile_doc,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": name, "type": SEARCH_TYPES[name], "documentation": text}
                    for name, text in params.items()
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-10",
        "kind": "instance",
        "software": {"name": "Bonta", "version": SOFTWARE_VERSION},
        "implementation": {
            "description": "Bonta FHIR R4 facade (read, search, Bulk Data export, import)",
            "url": root,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read and search; Bulk Data $export (v2.0); transaction or "
                "batch import of administrations given elsewhere. Unknown search parameters "
                "are ignored with a warning OperationOutcome in the Bundle, or refused (400) with "
                "`Prefer: handling=strict`. meta.lastUpdated and _lastUpdated use the time "
                "each resource's documentation names where Bonta stores no update time.",
                "security": {
                    "description": "Bearer tokens of the Bonta REST API (bonta_issue_token). "
                    "Reception may read Patient and Appointment only; clinicians, nurses and "
                    "managers read everything. Every read and search is audited."
                },
                "resource": [
                    *resources,
                    {
                        "type": "CodeSystem",
                        "documentation": "Bonta's own code systems.",
                        "interaction": [{"code": "read"}],
                    },
                    {
                        "type": "Group",
                        "documentation": "One Group per pathway (cosmetic, chronic-migraine): "
                        "every patient with a course on it or a signed visit on it.",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "operation": [
                            {
                                "name": "export",
                                "definition": f"{BULK}/OperationDefinition/group-export",
                            }
                        ],
                    },
                ],
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "Import of Patient + MedicationAdministration "
                        "entries as external administrations (all or nothing).",
                    },
                    {"code": "batch", "documentation": "As transaction: all or nothing."},
                ],
                "operation": [
                    {"name": "export", "definition": f"{BULK}/OperationDefinition/export"},
                    {
                        "name": "patient-export",
                        "definition": f"{BULK}/OperationDefinition/patient-export",
                    },
                ],
            }
        ],
    }


def code_system(spec: CodeSystemSpec) -> dict[str, Any]:
    concepts = spec.concepts()
    return {
        "resourceType": "CodeSystem",
        "id": spec.id,
        "url": system(spec.id),
        "name": "Bonta" + "".join(part.capitalize() for part in spec.id.split("-")),
        "title": spec.title,
        "status": "active",
        "experimental": False,
        "publisher": "Bonta",
        "description": spec.description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [{"code": code, "display": display} for code, display in concepts.items()],
    }
